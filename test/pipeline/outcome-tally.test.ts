import { describe, expect, it } from 'vitest'
import { combineMetrics, createOutcomeTally } from '../../src/pipeline/outcome-tally.js'
import type { RelayMetrics } from '../../src/pipeline/relay-metrics.js'

describe('createOutcomeTally', () => {
  it('counts each record its stage finished as done, whatever the outcome, and none of the other stage', () => {
    const tally = createOutcomeTally('issue')
    expect(tally.done).toBe(0)
    tally.outcome('issue', 'kyc', 'issued')
    tally.outcome('issue', 'kyc', 'duplicate')
    tally.outcome('issue', 'kyc', 'failed', 'MOCA_BAD_REQUEST')
    tally.outcome('issue', 'kyc', 'skipped', 'filter')
    tally.outcome('confirm', 'kyc', 'onchain')
    expect(tally.done).toBe(4)

    const onchain = createOutcomeTally('confirm')
    onchain.outcome('issue', 'kyc', 'issued')
    onchain.outcome('confirm', 'kyc', 'onchain')
    expect(onchain.done).toBe(1)
  })

  it('does not count a record that blocks its partition as done: it is read again', () => {
    const onchain = createOutcomeTally('confirm')
    onchain.outcome('confirm', '(none)', 'blocked', 'CONFIRM_REQUEST_NEWER_VERSION')
    onchain.outcome('confirm', '(none)', 'blocked', 'CONFIRM_REQUEST_NEWER_VERSION')
    expect(onchain.done).toBe(0)
    expect(onchain.byCode('blocked')).toEqual(new Map([['CONFIRM_REQUEST_NEWER_VERSION', 2]]))
  })
})

describe('combineMetrics', () => {
  it("hands every call to each metrics it combines: the demo's issue and onchain tallies both count", () => {
    const issue = createOutcomeTally('issue')
    const onchain = createOutcomeTally('confirm')
    const calls: string[] = []
    const recorder: RelayMetrics = {
      consumed: () => calls.push('consumed'),
      outcome: () => calls.push('outcome'),
      retried: () => calls.push('retried'),
      mocaCall: () => calls.push('mocaCall'),
      inFlight: () => calls.push('inFlight'),
      committed: () => calls.push('committed'),
      circuit: () => calls.push('circuit'),
      lag: () => calls.push('lag'),
      partitionReleased: () => calls.push('partitionReleased'),
    }
    const combined = combineMetrics(issue, onchain, recorder)
    combined.outcome('issue', 'kyc', 'issued')
    combined.outcome('confirm', 'kyc', 'onchain')
    combined.outcome('issue', 'kyc', 'failed', 'MOCA_BAD_REQUEST')
    expect([issue.done, onchain.done]).toEqual([2, 1])
    expect(issue.byCode('failed')).toEqual(new Map([['MOCA_BAD_REQUEST', 1]]))

    calls.length = 0
    combined.consumed('issue', 'kyc.completed', 0)
    combined.retried('issue', 'kyc', 'MOCA_UNAVAILABLE')
    combined.mocaCall('issue', 'ok', 0.05)
    combined.inFlight('issue', 'kyc.completed', 0, 1)
    combined.committed('issue', 3)
    combined.circuit('kyc', true)
    combined.lag('issue', 'kyc.completed', 0, 10)
    combined.partitionReleased('issue', 'kyc.completed', 0)
    expect(calls).toEqual([
      'consumed',
      'retried',
      'mocaCall',
      'inFlight',
      'committed',
      'circuit',
      'lag',
      'partitionReleased',
    ])
  })
})
