import { describe, expect, it } from 'vitest'
import { runMilestones, steadyCpuPerEvent } from '../../bench/scenarios/relay-run-figures.js'
import { USAGE_SAMPLE_INTERVAL_MS } from '../../bench/support/usage-sampler.js'

/** One event per ms: `count` visible times from `startMs` on. */
const everyMs = (startMs: number, count: number): number[] =>
  Array.from({ length: count }, (_, i) => startMs + i + 1)

/** A sample a second, CPU spent at `warmMsPerSecond` once warm, at 1,000 ms/s before `warmAt`. */
function samples(seconds: number, warmAt: number, warmMsPerSecond: number) {
  const out = []
  let cpuMs = 0
  for (let s = 0; s <= seconds; s++) {
    out.push({ at: s * 1000, cpuMs })
    cpuMs += s < warmAt ? 1000 : warmMsPerSecond
  }
  return out
}

describe('steadyCpuPerEvent', () => {
  it('is the CPU per event of the warm relay, without the cold start', () => {
    // 20,000 events: issued at 1,000/s from 1 s on, onchain 1 s later; 2 s of cold start.
    const figure = steadyCpuPerEvent(samples(23, 2, 500), {
      issued: everyMs(1000, 20_000),
      onchain: everyMs(2000, 20_000),
      failed: [],
      probes: [],
    })
    expect(figure).toBeCloseTo(500, 6)
  })

  it('counts an event half at its issued and half at its onchain, a failed one or a probe whole', () => {
    // Issued events run 4 s ahead of their onchain: 8 s of onchain window hold 4 s of issued.
    const figure = steadyCpuPerEvent(samples(30, 0, 500), {
      issued: everyMs(0, 10_000),
      onchain: everyMs(4000, 10_000),
      failed: everyMs(5000, 1_000),
      probes: [6_500, 7_500],
    })
    // window: onchain 10th → 90th percentile, 5 s → 13 s (8 s, 4,000 ms of CPU); issued in it
    // 5,000 (5 s → 10 s), onchain 8,000, failed 1,000, probes 2
    expect(figure).toBeCloseTo((4000 * 1000) / ((5000 + 8000) / 2 + 1000 + 2), 6)
  })

  it('has a figure for a fast run, sampled as the bench samples the relay', () => {
    // 16,000 events onchain at 4,000/s from 1.1 s, each issued 0.2 s before: the steady window
    // is 1.5 s → 4.7 s.
    const sampled = []
    for (let at = 0; at <= 6_000; at += USAGE_SAMPLE_INTERVAL_MS)
      sampled.push({ at, cpuMs: at / 2 })
    const onchain = Array.from({ length: 16_000 }, (_, i) => 1_100 + (i + 1) / 4)
    const figure = steadyCpuPerEvent(sampled, {
      issued: onchain.map((at) => at - 200),
      onchain,
      failed: [],
      probes: [],
    })
    // 500 CPU-ms a second over 4,000 issued and 4,000 onchain events a second
    expect(figure).toBeCloseTo(125, 0)
  })

  it('is null when the steady window is too short to read the CPU clock', () => {
    expect(
      steadyCpuPerEvent(samples(5, 0, 500), {
        issued: everyMs(0, 2_000),
        onchain: everyMs(1000, 2_000),
        failed: [],
        probes: [],
      }),
    ).toBeNull()
  })
})

describe('runMilestones', () => {
  it('reads a run of 300,000 events (--events 300000) without overflowing the call stack', () => {
    const onchain = everyMs(2_000, 300_000)
    const milestones = runMilestones(
      {
        backlogIssued: everyMs(1_000, 300_000),
        backlogOnchain: onchain,
        backlogOnchainProduced: onchain.map((at) => at - 5),
        backlogFailed: [],
      },
      500,
    )
    expect(milestones).toEqual({
      done: 302_000,
      firstOnchain: 2_001,
      firstIssued: 1_001,
      lastIssued: 301_000,
      firstOnchainProduced: 1_996,
      lastFailed: 500,
    })
  })

  it('ends at the ready time when nothing went onchain', () => {
    const none = { backlogIssued: [], backlogOnchain: [], backlogOnchainProduced: [] }
    expect(runMilestones({ ...none, backlogFailed: [700, 900] }, 500)).toMatchObject({
      done: 500,
      lastFailed: 900,
    })
  })
})
