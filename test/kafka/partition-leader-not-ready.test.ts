import { describe, expect, it } from 'vitest'
import { isPartitionLeaderNotReady } from '../../src/kafka/partition-leader-not-ready.js'
// kafkajs's own errors, as its protocol and retrier build them
import { createErrorFromCode, kafkajsErrors } from '../support/kafkajs-errors.js'

const { KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded } = kafkajsErrors

const UNKNOWN_TOPIC_OR_PARTITION = 3
const LEADER_NOT_AVAILABLE = 5
const NOT_LEADER_OR_FOLLOWER = 6
const TOPIC_AUTHORIZATION_FAILED = 29

describe('a partition whose leader is not serving it yet', () => {
  it('is what a new leader answers before it took the partition over, or what an election answers', () => {
    for (const code of [NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE]) {
      expect(createErrorFromCode(code).name).toBe('KafkaJSProtocolError')
      expect(isPartitionLeaderNotReady(createErrorFromCode(code))).toBe(true)
    }
  })

  it('is found inside the errors kafkajs wraps it in when its own retries give up', () => {
    const election = createErrorFromCode(LEADER_NOT_AVAILABLE)
    expect(
      isPartitionLeaderNotReady(
        new KafkaJSNumberOfRetriesExceeded!(election, { retryCount: 5, retryTime: 1000 }),
      ),
    ).toBe(true)
    expect(
      isPartitionLeaderNotReady(new KafkaJSNonRetriableError!(election, { cause: election })),
    ).toBe(true)
  })

  it('is not a topic that does not exist (kafkajs waited for it already), a refusal, nor any other error', () => {
    expect(isPartitionLeaderNotReady(createErrorFromCode(UNKNOWN_TOPIC_OR_PARTITION))).toBe(false)
    expect(isPartitionLeaderNotReady(createErrorFromCode(TOPIC_AUTHORIZATION_FAILED))).toBe(false)
    expect(isPartitionLeaderNotReady(new Error('This server is not the leader'))).toBe(false)
    expect(isPartitionLeaderNotReady(new TypeError('x is not a function'))).toBe(false)
    expect(isPartitionLeaderNotReady(undefined)).toBe(false)
  })
})
