import { describe, expect, it } from 'vitest'
import { createFaultPlan } from '../../src/sandbox/fault-plan.js'
import { SandboxFaults, type SandboxFaultsInput } from '../../src/sandbox/sandbox-faults.js'
import { createSeededRandom } from '../../src/sandbox/seeded-random.js'

function plan(faults: SandboxFaultsInput, clock = { now: 0 }) {
  return createFaultPlan({
    faults: SandboxFaults.parse(faults),
    random: createSeededRandom(7),
    now: () => clock.now,
  })
}

describe('fault plan', () => {
  it("adds a user's own latency, and reads the caller's email only while some user has one", () => {
    const p = plan({ userLatency: { 'slow@example.com': { fixedMs: 900 } } })
    expect(p.decide('issue', () => 'slow@example.com').latencyMs).toBe(900)
    expect(p.decide('issue', () => 'fast@example.com').latencyMs).toBe(0)
    p.replace(SandboxFaults.parse({}))
    let asked = 0
    p.decide('status', () => {
      asked++
      return 'slow@example.com'
    })
    expect(asked).toBe(0)
  })

  it('plays scripted faults first, in order, then the rates', () => {
    const p = plan({ issue: { next: ['hang', 'reset'], rates: { http500: 1 } } })
    expect([p.decide('issue').fault, p.decide('issue').fault, p.decide('issue').fault]).toEqual([
      'hang',
      'reset',
      'http500',
    ])
    expect(p.decide('status').fault).toBeNull()
    expect(p.current().issue.next).toEqual([])
  })

  it('draws faults at roughly their rates', () => {
    const p = plan({ issue: { rates: { http500: 0.2, reset: 0.1 } } })
    const counts: Record<string, number> = {}
    for (let i = 0; i < 10_000; i += 1) {
      const kind = p.decide('issue').fault ?? 'none'
      counts[kind] = (counts[kind] ?? 0) + 1
    }
    expect(counts.http500).toBeGreaterThan(1_800)
    expect(counts.http500).toBeLessThan(2_200)
    expect(counts.reset).toBeGreaterThan(850)
    expect(counts.reset).toBeLessThan(1_150)
  })

  it('latency follows its distribution', () => {
    const fixed = plan({ issue: { latency: { fixedMs: 50 } } })
    expect(fixed.decide('issue').latencyMs).toBe(50)
    const uniform = plan({ issue: { latency: { uniformMs: { min: 10, max: 20 } } } })
    const normal = plan({ issue: { latency: { normalMs: { mean: 50, p99: 150 } } } })
    const u = Array.from({ length: 1_000 }, () => uniform.decide('issue').latencyMs)
    const n = Array.from({ length: 10_000 }, () => normal.decide('issue').latencyMs).sort(
      (a, b) => a - b,
    )
    expect(Math.min(...u)).toBeGreaterThanOrEqual(10)
    expect(Math.max(...u)).toBeLessThanOrEqual(20)
    expect(n[0]).toBeGreaterThanOrEqual(0)
    expect(n[5_000]).toBeGreaterThan(45)
    expect(n[5_000]).toBeLessThan(55)
    expect(n[9_900]).toBeGreaterThan(135)
    expect(n[9_900]).toBeLessThan(165)
  })

  it('a token bucket answers 429 with the wait until the next token', () => {
    const clock = { now: 0 }
    const p = plan({ issue: { rateLimit: { perSecond: 2, burst: 2 } } }, clock)
    expect(p.decide('issue').fault).toBeNull()
    expect(p.decide('issue').fault).toBeNull()
    expect(p.decide('issue')).toMatchObject({ fault: 'http429', retryAfterSeconds: 1 })
    clock.now += 500
    expect(p.decide('issue').fault).toBeNull()
  })

  it('latency spikes hit about their rate of calls, on top of the usual latency', () => {
    const p = plan({
      issue: { latency: { fixedMs: 10 }, spikes: { rate: 0.1, latency: { fixedMs: 5_000 } } },
    })
    const latencies = Array.from({ length: 5_000 }, () => p.decide('issue').latencyMs)
    const spiked = latencies.filter((ms) => ms === 5_010).length
    expect(spiked).toBeGreaterThan(400)
    expect(spiked).toBeLessThan(600)
    expect(latencies.filter((ms) => ms !== 5_010).every((ms) => ms === 10)).toBe(true)
  })

  it('a throttle burst answers every call 429 with its Retry-After for its duration, then none', () => {
    const clock = { now: 1_000 }
    const p = plan(
      { issue: { throttleBursts: { everyMs: 2_000, durationMs: 300, retryAfterSeconds: 2 } } },
      clock,
    )
    expect(p.decide('issue')).toMatchObject({ fault: 'http429', retryAfterSeconds: 2 })
    clock.now += 299
    expect(p.decide('issue').fault).toBe('http429')
    clock.now += 1
    expect(p.decide('issue').fault).toBeNull()
    clock.now += 1_600
    expect(p.decide('issue').fault).toBeNull()
    clock.now += 100
    expect(p.decide('issue')).toMatchObject({ fault: 'http429', retryAfterSeconds: 2 })
    expect(p.decide('status').fault).toBeNull()
  })

  it('refuses a throttle burst longer than its period', () => {
    expect(() =>
      SandboxFaults.parse({ issue: { throttleBursts: { everyMs: 100, durationMs: 200 } } }),
    ).toThrow(/durationMs exceeds everyMs/)
  })
})
