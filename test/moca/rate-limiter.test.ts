import { setMaxListeners } from 'node:events'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createRateLimiter, rateLimitOf, type RateLimiter } from '../../src/moca/rate-limiter.js'

/**
 * Calls a test starts and when each was let go, in fake ms since the test began (fake timers
 * fake performance.now, the limiter's clock, too).
 */
function callers(limiter: RateLimiter) {
  const start = performance.now()
  const goes: { name: string; at: number }[] = []
  return {
    goes,
    /** When each call went, in the order they went. */
    times: () => goes.map((g) => g.at),
    names: () => goes.map((g) => g.name),
    call(name: string, signal?: AbortSignal): Promise<void> {
      const went = limiter.acquire(signal).then(() => {
        goes.push({ name, at: performance.now() - start })
      })
      went.catch(() => {})
      return went
    },
  }
}

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('createRateLimiter', () => {
  it('lets a burst go at once, then one call every 1/perSecond, in call order', async () => {
    const limiter = createRateLimiter({ perSecond: 10, burst: 3 })
    const c = callers(limiter)
    for (let i = 0; i < 6; i++) void c.call(`c${i}`)
    expect(limiter.waiting).toBe(3)
    await vi.advanceTimersByTimeAsync(0)
    expect(c.times()).toEqual([0, 0, 0])
    await vi.advanceTimersByTimeAsync(1_000)
    expect(c.names()).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5'])
    expect(c.times()).toEqual([0, 0, 0, 100, 200, 300])
    expect(limiter.waiting).toBe(0)
  })

  it('never lets more than perSecond + burst calls go in any one second of steady demand', async () => {
    const limiter = createRateLimiter({ perSecond: 50, burst: 5 })
    const c = callers(limiter)
    // a caller every 7 ms (143/s) for 5 s, far above the limit
    for (let ms = 0; ms < 5_000; ms += 7) {
      void c.call(String(ms))
      await vi.advanceTimersByTimeAsync(7)
    }
    await vi.advanceTimersByTimeAsync(20_000)
    const sent = c.times()
    expect(sent).toHaveLength(715)
    expect(c.names()).toEqual(Array.from({ length: 715 }, (_, i) => String(i * 7)))
    for (const start of sent) {
      const inWindow = sent.filter((t) => t >= start && t < start + 1_000).length
      expect(inWindow).toBeLessThanOrEqual(55)
    }
    // and it does not starve: over the whole run the rate is the limit
    const span = (sent[sent.length - 1]! - sent[0]!) / 1_000
    expect(sent.length / span).toBeGreaterThan(49)
  })

  it('refills while idle, up to the burst only', async () => {
    const limiter = createRateLimiter({ perSecond: 10, burst: 2 })
    const c = callers(limiter)
    void c.call('a')
    void c.call('b')
    await vi.advanceTimersByTimeAsync(10_000)
    void c.call('c')
    void c.call('d')
    void c.call('e')
    await vi.advanceTimersByTimeAsync(1_000)
    expect(c.times()).toEqual([0, 0, 10_000, 10_000, 10_100])
  })

  it('gives up a wait when the signal aborts, with its reason, and counts who waits', async () => {
    const limiter = createRateLimiter({ perSecond: 1, burst: 1 })
    await limiter.acquire()
    const controller = new AbortController()
    const waited = limiter.acquire(controller.signal)
    expect(limiter.waiting).toBe(1)
    controller.abort(new Error('partition revoked'))
    await expect(waited).rejects.toThrow('partition revoked')
    expect(limiter.waiting).toBe(0)
    await expect(limiter.acquire(controller.signal)).rejects.toThrow('partition revoked')
    expect(limiter.waiting).toBe(0)
  })

  it('refuses an already aborted signal without taking a turn', async () => {
    const limiter = createRateLimiter({ perSecond: 1, burst: 1 })
    const c = callers(limiter)
    await expect(limiter.acquire(AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone')
    void c.call('next')
    await vi.advanceTimersByTimeAsync(0)
    expect(c.times()).toEqual([0])
  })

  it('gives the turns of cancelled waiters back: the next caller goes at once', async () => {
    // the reviewer's case: a revoked partition cancels every call it had waiting
    const limiter = createRateLimiter({ perSecond: 100, burst: 1 })
    const c = callers(limiter)
    await limiter.acquire()
    const revoked = new AbortController()
    setMaxListeners(0, revoked.signal) // as the partition worker does
    const cancelled = Array.from({ length: 50 }, () => limiter.acquire(revoked.signal))
    expect(limiter.waiting).toBe(50)
    revoked.abort(new Error('partition revoked'))
    const outcomes = await Promise.allSettled(cancelled)
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true)
    expect(limiter.waiting).toBe(0)
    await vi.advanceTimersByTimeAsync(20)
    void c.call('other partition')
    await vi.advanceTimersByTimeAsync(0)
    expect(c.times()).toEqual([20])
  })

  it('lets the waiters behind a cancelled one go one turn earlier, in order', async () => {
    const limiter = createRateLimiter({ perSecond: 10, burst: 1 })
    const c = callers(limiter)
    await limiter.acquire()
    const controller = new AbortController()
    void c.call('w1')
    void c.call('w2')
    const w3 = c.call('w3', controller.signal)
    void c.call('w4')
    void c.call('w5')
    await vi.advanceTimersByTimeAsync(150)
    expect(limiter.waiting).toBe(4)
    controller.abort(new Error('cancelled'))
    await expect(w3).rejects.toThrow('cancelled')
    expect(limiter.waiting).toBe(3)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(c.names()).toEqual(['w1', 'w2', 'w4', 'w5'])
    expect(c.times()).toEqual([100, 200, 300, 400])
  })

  it('leaves nothing scheduled once nobody waits', async () => {
    const limiter = createRateLimiter({ perSecond: 10, burst: 1 })
    await limiter.acquire()
    expect(vi.getTimerCount()).toBe(0)
    const served = [limiter.acquire(), limiter.acquire()]
    expect(vi.getTimerCount()).toBe(1)
    await vi.advanceTimersByTimeAsync(200)
    await Promise.all(served)
    expect(limiter.waiting).toBe(0)
    expect(vi.getTimerCount()).toBe(0)

    const controller = new AbortController()
    const cancelled = [limiter.acquire(controller.signal), limiter.acquire(controller.signal)]
    expect(vi.getTimerCount()).toBe(1)
    controller.abort(new Error('cancelled'))
    await Promise.allSettled(cancelled)
    expect(limiter.waiting).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('refuses a limit that cannot be met', () => {
    expect(() => createRateLimiter({ perSecond: 0, burst: 1 })).toThrow(/perSecond > 0/)
    expect(() => createRateLimiter({ perSecond: 5, burst: 0 })).toThrow(/burst ≥ 1/)
  })

  it('bursts a tenth of a second by default, at least one call', () => {
    expect(rateLimitOf({ perSecond: 200 })).toEqual({ perSecond: 200, burst: 20 })
    expect(rateLimitOf({ perSecond: 5 })).toEqual({ perSecond: 5, burst: 1 })
    expect(rateLimitOf({ perSecond: 200, burst: 3 })).toEqual({ perSecond: 200, burst: 3 })
  })
})
