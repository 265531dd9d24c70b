import type { Admin } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { ensureTopics, waitForTopicLeaders } from '../../src/kafka/topic-admin.js'
import { createSilentLogger } from '../../src/ops/logger.js'

/**
 * An admin for which another client creates the topic at the moment we do: CreateTopics answers
 * TOPIC_ALREADY_EXISTS (kafkajs: `false`), and the topic's metadata arrives a few requests later.
 */
function adminRacingAnotherClient(unknownFor: number, createdByUs = false) {
  const log: string[] = []
  let metadataCalls = 0
  let created = false
  const admin = {
    listTopics: async () => (created ? ['out'] : []),
    describeCluster: async () => ({ brokers: [{ nodeId: 1 }], controller: 1, clusterId: 'c' }),
    createTopics: async () => {
      created = true
      log.push(createdByUs ? 'createTopics → created' : 'createTopics → already exists')
      return createdByUs
    },
    fetchTopicMetadata: async () => {
      metadataCalls += 1
      if (metadataCalls <= unknownFor) {
        log.push('metadata → unknown topic')
        throw Object.assign(new Error('This server does not host this topic-partition'), {
          type: 'UNKNOWN_TOPIC_OR_PARTITION',
        })
      }
      log.push('metadata → leaders')
      return { topics: [{ name: 'out', partitions: [{ partitionId: 0, leader: 1 }] }] }
    },
  }
  return { admin: admin as unknown as Admin, log }
}

describe('ensureTopics', () => {
  it('waits for the leaders of topics another client created at the same moment', async () => {
    const { admin, log } = adminRacingAnotherClient(2)
    await ensureTopics({ admin, replicationFactor: -1, logger: createSilentLogger() }, [
      { topic: 'out', partitions: 1 },
    ])
    expect(log).toEqual([
      'createTopics → already exists',
      'metadata → unknown topic',
      'metadata → unknown topic',
      'metadata → leaders',
    ])
  })

  it('waits for the leaders of topics it created while the broker does not know them yet', async () => {
    // kafkajs's own wait retries LEADER_NOT_AVAILABLE only; a fresh broker answered
    // UNKNOWN_TOPIC_OR_PARTITION and the relay exited 70 at start-up (chaos, broker scenario).
    const { admin, log } = adminRacingAnotherClient(1, true)
    await ensureTopics({ admin, replicationFactor: -1, logger: createSilentLogger() }, [
      { topic: 'out', partitions: 1 },
    ])
    expect(log).toEqual([
      'createTopics → created',
      'metadata → unknown topic',
      'metadata → leaders',
    ])
  })

  // was: Kafka's INVALID_REPLICATION_FACTOR, a KafkaJSAggregateError stack trace and exit 70
  it('refuses a replication factor above the live brokers, naming the setting, before creating', async () => {
    const { admin, log } = adminRacingAnotherClient(0, true)
    await expect(
      ensureTopics({ admin, replicationFactor: 3, logger: createSilentLogger() }, [
        { topic: 'out', partitions: 1 },
      ]),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message:
        'topics.replicationFactor is 3, but the Kafka cluster has 1 live broker: set it to at most 1, or to -1 (min(3, brokers)), or start the missing brokers',
    })
    expect(log).toEqual([])
  })

  it('gives up with KAFKA_UNAVAILABLE when the topics never get a leader', async () => {
    const { admin } = adminRacingAnotherClient(Number.POSITIVE_INFINITY)
    await expect(waitForTopicLeaders(admin, ['out'], 300)).rejects.toMatchObject({
      code: 'KAFKA_UNAVAILABLE',
    })
  })
})
