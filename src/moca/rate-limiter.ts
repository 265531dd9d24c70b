import { setTimeout as delay } from 'node:timers/promises'

export interface RateLimit {
  /** Requests per second, sustained. */
  readonly perSecond: number
  /** Requests that may go at once after a quiet spell. */
  readonly burst: number
}

/** A configured limit (moca.rateLimit) with its default burst: a tenth of a second's worth, at least one. */
export function rateLimitOf(limit: { perSecond: number; burst?: number | undefined }): RateLimit {
  return {
    perSecond: limit.perSecond,
    burst: limit.burst ?? Math.max(1, Math.ceil(limit.perSecond / 10)),
  }
}

export interface RateLimiter {
  /**
   * Resolves when the caller may send. Turns are handed out in call order. Rejects with the
   * signal's reason if the signal aborts first; the turn is then lost, which only slows later
   * calls.
   */
  acquire(signal?: AbortSignal): Promise<void>
  /** Callers waiting for their turn now. */
  readonly waiting: number
}

export interface RateLimiterDeps {
  /** @default performance.now */
  readonly now?: () => number
  /** @default timers/promises setTimeout */
  readonly sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>
}

/**
 * A token bucket in its GCRA form: one timestamp of the next free turn, no queue. At most
 * `burst` calls go at once, then one every 1/perSecond s; in any one-second window at most
 * perSecond + burst calls go.
 */
export function createRateLimiter(limit: RateLimit, deps: RateLimiterDeps = {}): RateLimiter {
  if (!(limit.perSecond > 0) || !Number.isInteger(limit.burst) || limit.burst < 1) {
    throw new RangeError(
      `a rate limit needs perSecond > 0 and a whole burst ≥ 1; got ${limit.perSecond}/s, burst ${limit.burst}`,
    )
  }
  const now = deps.now ?? (() => performance.now())
  const sleep =
    deps.sleep ??
    ((ms, signal) =>
      delay(ms, undefined, { signal }).catch((err: unknown) => {
        throw signal?.aborted ? (signal.reason as Error) : err
      }))
  const intervalMs = 1000 / limit.perSecond
  const toleranceMs = (limit.burst - 1) * intervalMs
  /** When the next turn would go if no burst were allowed (theoretical arrival time). */
  let nextTurn = -Infinity
  let waiting = 0
  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason as Error)
      const at = now()
      nextTurn = Math.max(nextTurn, at)
      const goAt = nextTurn - toleranceMs
      nextTurn += intervalMs
      if (goAt <= at) return Promise.resolve()
      waiting++
      return sleep(goAt - at, signal).finally(() => waiting--)
    },
    get waiting() {
      return waiting
    },
  }
}
