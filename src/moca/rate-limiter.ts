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
   * signal's reason if the signal aborts first (at once if it already has): the caller leaves the
   * queue without having taken a turn, so the callers behind it move up and no turn is lost.
   */
  acquire(signal?: AbortSignal): Promise<void>
  /** Callers waiting for their turn now. */
  readonly waiting: number
}

export interface RateLimiterDeps {
  /**
   * Milliseconds on a monotonic clock. The limiter waits with setTimeout, so this must be the
   * clock setTimeout keeps (fake timers fake performance.now too).
   * @default performance.now
   */
  readonly now?: () => number
}

/** A caller in the queue: a doubly linked list, so an abort leaves from anywhere in O(1). */
interface Waiter {
  readonly resolve: () => void
  readonly signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
  prev: Waiter | undefined
  next: Waiter | undefined
}

const released: Promise<void> = Promise.resolve()

/**
 * A token bucket in its GCRA form (one timestamp of the next free turn) in front of a FIFO queue
 * with one timer. At most `burst` calls go at once after a quiet spell, then one every
 * 1/perSecond s, in call order; in any one-second window at most perSecond + burst calls go. A
 * turn is taken only when a caller is let go, so a caller that gives up while it waits never took
 * one. The timer runs only while someone waits.
 */
export function createRateLimiter(limit: RateLimit, deps: RateLimiterDeps = {}): RateLimiter {
  if (!(limit.perSecond > 0) || !Number.isInteger(limit.burst) || limit.burst < 1) {
    throw new RangeError(
      `a rate limit needs perSecond > 0 and a whole burst ≥ 1; got ${limit.perSecond}/s, burst ${limit.burst}`,
    )
  }
  const now = deps.now ?? (() => performance.now())
  const intervalMs = 1000 / limit.perSecond
  const toleranceMs = (limit.burst - 1) * intervalMs
  /**
   * How late the timer may wake up and still have its turn counted from when it was due rather
   * than from now: without it, each late wake-up (a millisecond or so) would lower the rate of a
   * full queue, by 3% at 100/s with a burst of 1. Less than an interval, and than what a
   * fractional perSecond leaves of one, so after a stall at most `burst` calls go at once and
   * the one-second bound still holds.
   */
  const lateMs = Math.min(4, (intervalMs * (1 - (limit.perSecond % 1))) / 2)
  /** When the next turn would go if no burst were allowed (theoretical arrival time). */
  let nextTurn = -Infinity
  let head: Waiter | undefined
  let tail: Waiter | undefined
  let waiting = 0
  let timer: NodeJS.Timeout | undefined

  /** When the next turn is free: now or later. */
  const freeAt = () => nextTurn - toleranceMs

  function unlink(w: Waiter) {
    if (w.prev === undefined) head = w.next
    else w.prev.next = w.next
    if (w.next === undefined) tail = w.prev
    else w.next.prev = w.prev
    w.prev = w.next = undefined
    waiting--
  }

  function schedule(at: number) {
    timer = setTimeout(release, Math.max(1, Math.ceil(freeAt() - at)))
  }

  /** The timer: lets go every waiter at the head whose turn is free, then waits for the next. */
  function release() {
    timer = undefined
    const at = now()
    while (head !== undefined && freeAt() <= at) {
      nextTurn = Math.max(nextTurn, at - lateMs) + intervalMs
      const w = head
      unlink(w)
      if (w.onAbort !== undefined) w.signal?.removeEventListener('abort', w.onAbort)
      w.resolve()
    }
    if (head !== undefined) schedule(at)
  }

  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason as Error)
      const at = now()
      if (head === undefined && freeAt() <= at) {
        nextTurn = Math.max(nextTurn, at) + intervalMs
        return released
      }
      return new Promise<void>((resolve, reject) => {
        const w: Waiter = {
          resolve,
          signal,
          onAbort: undefined,
          prev: tail,
          next: undefined,
        }
        if (signal !== undefined) {
          w.onAbort = () => {
            unlink(w)
            if (head === undefined && timer !== undefined) {
              clearTimeout(timer)
              timer = undefined
            }
            reject(signal.reason as Error)
          }
          signal.addEventListener('abort', w.onAbort, { once: true })
        }
        if (tail === undefined) head = w
        else tail.next = w
        tail = w
        waiting++
        if (timer === undefined) schedule(at)
      })
    },
    get waiting() {
      return waiting
    },
  }
}
