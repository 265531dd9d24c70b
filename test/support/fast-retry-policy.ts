import { compileRetryPolicy } from '../../src/domain/retry-policy.js'

/** Waits of a millisecond and no deadline: a retried step lands within a test's settle. */
export const fastRetryPolicy = compileRetryPolicy({
  initialDelayMs: 1,
  multiplier: 1,
  maxDelayMs: 1,
  deadlineMs: Number.POSITIVE_INFINITY,
  jitter: 'none',
  maxRetryAfterMs: 0,
})

/** Waits of a millisecond that give up after 50 ms: a wait that never ends reaches its give-up. */
export const quickGiveUpPolicy = compileRetryPolicy({
  initialDelayMs: 1,
  multiplier: 1,
  maxDelayMs: 1,
  deadlineMs: 50,
  jitter: 'none',
  maxRetryAfterMs: 0,
})
