import { nextRetry, type RetryPolicy } from '../domain/retry-policy.js'

/** What one attempt reports to the engine. */
export type AttemptResult<T> =
  /** Finished, successfully or with a terminal outcome the caller encodes in T. */
  | { readonly kind: 'done'; readonly value: T }
  /** Try again per the policy (a retryable error, or a poll that is not there yet). */
  | {
      readonly kind: 'again'
      readonly retryAfterMs?: number | null
      readonly last: unknown
      /**
       * How long the attempt waited at an open circuit before its call went out: like a blocked
       * attempt's wait, it does not count toward the deadline.
       */
      readonly waitedMs?: number
    }
  /**
   * The attempt waited behind an open circuit for `waitedMs` and made no call: it is not an
   * attempt, and the wait does not count toward the deadline (systemic errors pause, they never
   * dead-letter an event).
   */
  | { readonly kind: 'blocked'; readonly waitedMs: number }

export type RetryOutcome<T> =
  | { readonly kind: 'done'; readonly value: T; readonly attempts: number }
  | { readonly kind: 'gave-up'; readonly last: unknown; readonly attempts: number }
  | { readonly kind: 'aborted'; readonly attempts: number }

export interface RetryEngineOptions {
  readonly policy: RetryPolicy
  /** When the work started (epoch ms); the deadline counts from here. */
  readonly startedAt: number
  /** Wait before the first attempt (polling starts after its first interval). @default 0 */
  readonly firstDelayMs?: number
  /** Stops waiting; an attempt under way is the attempt's own business. */
  readonly signal: AbortSignal
  readonly now?: () => number
}

/**
 * The one engine that runs every retry and poll of the relay: attempt, and on `again` wait the
 * policy's next delay (jitter, Retry-After floor, deadline) without blocking anything else, until
 * done, the deadline, or the signal.
 */
export async function runWithRetry<T>(
  options: RetryEngineOptions,
  attempt: (attemptNumber: number) => Promise<AttemptResult<T>>,
): Promise<RetryOutcome<T>> {
  const now = options.now ?? Date.now
  let startedAt = options.startedAt
  let attempts = 0
  if (
    (options.firstDelayMs ?? 0) > 0 &&
    !(await sleep(options.firstDelayMs ?? 0, options.signal))
  ) {
    return { kind: 'aborted', attempts }
  }
  for (;;) {
    if (options.signal.aborted) return { kind: 'aborted', attempts }
    const result = await attempt(attempts + 1)
    if (result.kind === 'blocked') {
      startedAt += result.waitedMs
      continue
    }
    attempts++
    if (result.kind === 'done') return { kind: 'done', value: result.value, attempts }
    startedAt += result.waitedMs ?? 0
    const decision = nextRetry(options.policy, {
      attempts,
      startedAt,
      now: now(),
      retryAfterMs: result.retryAfterMs ?? null,
    })
    if (decision.kind === 'give-up') return { kind: 'gave-up', last: result.last, attempts }
    if (!(await sleep(decision.delayMs, options.signal))) return { kind: 'aborted', attempts }
  }
}

/** Resolves true after `ms`, or false as soon as the signal aborts. Never rejects. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false)
  if (ms <= 0) return Promise.resolve(true)
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      resolve(false)
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve(true)
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
