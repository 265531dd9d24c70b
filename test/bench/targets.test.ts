import { describe, expect, it } from 'vitest'
import type { ScenarioResult } from '../../bench/report/scenario-result.js'
import { evaluateTargets } from '../../bench/report/targets.js'

function relay50(cpuUsPerEvent: number, detail: ScenarioResult['detail']): ScenarioResult {
  return {
    id: 'relay50',
    title: 'relay',
    events: 20_000,
    seconds: 10,
    eventsPerSecond: 2_000,
    cpuUsPerEvent,
    latencyMs: null,
    peakRssBytes: null,
    definition: '',
    notes: [],
    detail,
    checks: [],
  }
}

const cpuTarget = (results: ScenarioResult[]) =>
  evaluateTargets(results).find((t) => t.target === 'relay ≤ 300 CPU-µs per event')

describe('the CPU target', () => {
  it('is judged on the steady state, with the whole run shown beside it', () => {
    expect(cpuTarget([relay50(427, { steadyCpuUsPerEvent: 281 })])).toEqual({
      issue: 6,
      target: 'relay ≤ 300 CPU-µs per event',
      measured: '281 µs in the steady state (whole run from a fresh process: 427 µs)',
      met: true,
    })
    expect(cpuTarget([relay50(290, { steadyCpuUsPerEvent: 312 })])?.met).toBe(false)
  })

  it('is not judged when the run was too short for a steady state', () => {
    expect(cpuTarget([relay50(427, { steadyCpuUsPerEvent: null })])).toMatchObject({
      met: null,
      measured: 'steady state not measured (run too short); whole run 427 µs',
    })
    expect(cpuTarget([])).toMatchObject({ met: null, measured: 'not run' })
  })
})
