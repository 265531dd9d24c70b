import { describe, expect, it } from 'vitest'
import { isGroupCoordinatorNotReady } from '../../src/kafka/group-coordinator-not-ready.js'
// kafkajs's own errors, as its protocol and retrier build them
import { createErrorFromCode, kafkajsErrors } from '../support/kafkajs-errors.js'

const {
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
} = kafkajsErrors

const COORDINATOR_LOAD_IN_PROGRESS = 14
const COORDINATOR_NOT_AVAILABLE = 15
const NOT_COORDINATOR = 16
const GROUP_AUTHORIZATION_FAILED = 30

describe('a group coordinator that is not ready yet', () => {
  it('is what it answers while it loads, before it took the group over, or is not found', () => {
    for (const code of [COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR]) {
      expect(isGroupCoordinatorNotReady(createErrorFromCode(code))).toBe(true)
    }
    expect(
      isGroupCoordinatorNotReady(
        new KafkaJSGroupCoordinatorNotFound!('Failed to find group coordinator'),
      ),
    ).toBe(true)
  })

  it('is found inside the errors kafkajs wraps it in when its own retries give up', () => {
    const loading = createErrorFromCode(COORDINATOR_LOAD_IN_PROGRESS)
    expect(
      isGroupCoordinatorNotReady(new KafkaJSNonRetriableError!(loading, { cause: loading })),
    ).toBe(true)
    expect(
      isGroupCoordinatorNotReady(
        new KafkaJSNumberOfRetriesExceeded!(loading, { retryCount: 5, retryTime: 1000 }),
      ),
    ).toBe(true)
  })

  it('is not a refusal, nor any other error: those are not waited out', () => {
    expect(isGroupCoordinatorNotReady(createErrorFromCode(GROUP_AUTHORIZATION_FAILED))).toBe(false)
    expect(isGroupCoordinatorNotReady(new Error('The coordinator is loading'))).toBe(false)
    expect(isGroupCoordinatorNotReady(new TypeError('x is not a function'))).toBe(false)
    expect(isGroupCoordinatorNotReady(undefined)).toBe(false)
  })
})
