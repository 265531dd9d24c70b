import { describe, expect, it } from 'vitest'
import { createRateLimiter, rateLimitOf } from '../../src/moca/rate-limiter.js'

/** A clock the test moves; each sleep records when its caller would go and resolves at once. */
function fakeTime() {
  let t = 1_000
  const goes: number[] = []
  return {
    now: () => t,
    advance: (ms: number) => (t += ms),
    goes,
    sleep: (ms: number) => {
      goes.push(t + ms)
      return Promise.resolve()
    },
  }
}

describe('createRateLimiter', () => {
  it('lets a burst go at once, then one call every 1/perSecond, in call order', async () => {
    const time = fakeTime()
    const limiter = createRateLimiter({ perSecond: 10, burst: 3 }, time)
    await Promise.all(Array.from({ length: 6 }, () => limiter.acquire()))
    // three at once (no sleep), then at +100, +200, +300 ms
    expect(time.goes).toEqual([1_100, 1_200, 1_300])
  })

  it('never lets more than perSecond + burst calls go in any one second of steady demand', async () => {
    const time = fakeTime()
    const limiter = createRateLimiter({ perSecond: 50, burst: 5 }, time)
    const sent: number[] = []
    for (let ms = 0; ms < 5_000; ms += 7) {
      // a caller every 7 ms (143/s), far above the limit
      const at = time.now()
      const before = time.goes.length
      await limiter.acquire()
      sent.push(time.goes.length > before ? time.goes[time.goes.length - 1]! : at)
      time.advance(7)
    }
    for (const start of sent) {
      const inWindow = sent.filter((t) => t >= start && t < start + 1_000).length
      expect(inWindow).toBeLessThanOrEqual(55)
    }
    // and it does not starve: over the whole run the rate is the limit
    const span = (sent[sent.length - 1]! - sent[0]!) / 1_000
    expect(sent.length / span).toBeGreaterThan(49)
  })

  it('refills while idle, up to the burst only', async () => {
    const time = fakeTime()
    const limiter = createRateLimiter({ perSecond: 10, burst: 2 }, time)
    await limiter.acquire()
    await limiter.acquire()
    time.advance(10_000)
    await Promise.all([limiter.acquire(), limiter.acquire(), limiter.acquire()])
    expect(time.goes).toEqual([11_100])
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
