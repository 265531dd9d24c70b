/**
 * Retry and polling as data (after Temporal's RetryPolicy): one engine computes every wait of the
 * relay, for issue retries, status polling and circuit probes alike. Plain numbers in, plain
 * decisions out; the caller owns the timer.
 */
export interface RetryPolicy {
  /** Wait before the first retry (or the first poll). */
  readonly initialDelayMs: number
  /** Each wait is the previous one times this. 1 = constant. */
  readonly multiplier: number
  readonly maxDelayMs: number
  /** Give up this long after the first attempt. Infinity = never. */
  readonly deadlineMs: number
  /**
   * `full`: wait a uniformly random time in [0, computed delay] (spreads synchronized retries;
   * the AWS "full jitter" result). `none`: wait exactly the computed delay (polling schedules).
   */
  readonly jitter: 'full' | 'none'
  /** A server's Retry-After is honoured up to this bound. */
  readonly maxRetryAfterMs: number
}

export class InvalidRetryPolicyError extends RangeError {
  override readonly name = 'InvalidRetryPolicyError'
}

/** Checks a policy once, before use, so a bad value fails at start-up and not mid-stream. */
export function compileRetryPolicy(policy: RetryPolicy): RetryPolicy {
  const problems: string[] = []
  if (!(policy.initialDelayMs >= 0)) problems.push('initialDelayMs must be ≥ 0')
  if (!(policy.multiplier >= 1)) problems.push('multiplier must be ≥ 1')
  if (!(policy.maxDelayMs >= policy.initialDelayMs))
    problems.push('maxDelayMs must be ≥ initialDelayMs')
  if (!(policy.deadlineMs > 0)) problems.push('deadlineMs must be > 0')
  if (!(policy.maxRetryAfterMs >= 0)) problems.push('maxRetryAfterMs must be ≥ 0')
  if (problems.length > 0)
    throw new InvalidRetryPolicyError(`invalid retry policy: ${problems.join('; ')}`)
  return Object.freeze({ ...policy })
}

export type RetryDecision =
  | { readonly kind: 'retry'; readonly delayMs: number }
  | { readonly kind: 'give-up'; readonly reason: 'deadline' }

export interface RetryInput {
  /** Attempts made so far (1 after the first failure). */
  readonly attempts: number
  /** When the first attempt started, epoch ms. */
  readonly startedAt: number
  readonly now: number
  /** Server-requested wait, if any (already parsed). */
  readonly retryAfterMs?: number | null
  /** Injected for tests; Math.random otherwise. */
  readonly random?: () => number
}

/**
 * Next wait after `attempts` failures. The exponential delay is jittered; a Retry-After from the
 * server is a floor (capped by maxRetryAfterMs). A wait never runs past the deadline: the last
 * attempt happens at the deadline, and after it the answer is give-up.
 */
export function nextRetry(policy: RetryPolicy, input: RetryInput): RetryDecision {
  const deadline = input.startedAt + policy.deadlineMs
  const remaining = deadline - input.now
  if (remaining <= 0) return { kind: 'give-up', reason: 'deadline' }
  const exponent = Math.max(0, input.attempts - 1)
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** exponent)
  const jittered = policy.jitter === 'full' ? base * (input.random ?? Math.random)() : base
  const serverFloor = Math.min(input.retryAfterMs ?? 0, policy.maxRetryAfterMs)
  const delayMs = Math.min(Math.max(jittered, serverFloor), remaining)
  return { kind: 'retry', delayMs: Math.round(delayMs) }
}
