import { describe, expect, it } from 'vitest'
import {
  compileRetryPolicy,
  InvalidRetryPolicyError,
  nextRetry,
  type RetryPolicy,
} from '../../src/domain/retry-policy.js'

const policy: RetryPolicy = compileRetryPolicy({
  initialDelayMs: 1000,
  multiplier: 2,
  maxDelayMs: 30_000,
  deadlineMs: 600_000,
  jitter: 'none',
  maxRetryAfterMs: 60_000,
})

describe('nextRetry', () => {
  it('doubles from the initial delay up to the cap (the confirm poll schedule)', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((attempts) => {
      const decision = nextRetry(policy, { attempts, startedAt: 0, now: 0 })
      return decision.kind === 'retry' ? decision.delayMs : null
    })
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000])
  })

  it('full jitter draws the wait from [0, delay]', () => {
    const jittered = compileRetryPolicy({ ...policy, jitter: 'full' })
    expect(nextRetry(jittered, { attempts: 3, startedAt: 0, now: 0, random: () => 0.5 })).toEqual({
      kind: 'retry',
      delayMs: 2000,
    })
    expect(nextRetry(jittered, { attempts: 3, startedAt: 0, now: 0, random: () => 0 })).toEqual({
      kind: 'retry',
      delayMs: 0,
    })
  })

  it('honours Retry-After as a floor, capped by maxRetryAfterMs', () => {
    expect(nextRetry(policy, { attempts: 1, startedAt: 0, now: 0, retryAfterMs: 5000 })).toEqual({
      kind: 'retry',
      delayMs: 5000,
    })
    // A server asking for a day gets the cap, not a parked worker.
    expect(
      nextRetry(policy, { attempts: 1, startedAt: 0, now: 0, retryAfterMs: 86_400_000 }),
    ).toEqual({ kind: 'retry', delayMs: 60_000 })
  })

  it('keeps the Retry-After floor under full jitter: a low draw never retries early', () => {
    const jittered = compileRetryPolicy({ ...policy, jitter: 'full' })
    expect(
      nextRetry(jittered, {
        attempts: 1,
        startedAt: 0,
        now: 0,
        retryAfterMs: 5000,
        random: () => 0,
      }),
    ).toEqual({ kind: 'retry', delayMs: 5000 })
  })

  it('never waits past the deadline, then gives up', () => {
    expect(nextRetry(policy, { attempts: 9, startedAt: 0, now: 599_000 })).toEqual({
      kind: 'retry',
      delayMs: 1000,
    })
    expect(nextRetry(policy, { attempts: 10, startedAt: 0, now: 600_000 })).toEqual({
      kind: 'give-up',
      reason: 'deadline',
    })
  })
})

describe('compileRetryPolicy', () => {
  it('rejects a policy that cannot work, before it is used', () => {
    expect(() => compileRetryPolicy({ ...policy, multiplier: 0.5 })).toThrow(
      InvalidRetryPolicyError,
    )
    expect(() => compileRetryPolicy({ ...policy, maxDelayMs: 10 })).toThrow(/maxDelayMs/)
  })

  it.each([
    ['initialDelayMs', { initialDelayMs: -1 }],
    ['deadlineMs', { deadlineMs: 0 }],
    ['maxRetryAfterMs', { maxRetryAfterMs: -1 }],
  ] as const)('names %s when it is out of range', (field, change) => {
    expect(() => compileRetryPolicy({ ...policy, ...change })).toThrow(new RegExp(field))
  })
})
