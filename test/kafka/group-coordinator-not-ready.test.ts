import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { isGroupCoordinatorNotReady } from '../../src/kafka/group-coordinator-not-ready.js'

const require = createRequire(import.meta.url)
// kafkajs's own errors, as its protocol and retrier build them
const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as {
  createErrorFromCode(code: number): Error
}
const {
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
} = require('kafkajs/src/errors.js') as Record<
  string,
  new (e: unknown, options?: Record<string, unknown>) => Error
>

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
