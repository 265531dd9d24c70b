import { describe, expect, it } from 'vitest'
import { createPrometheusMetrics } from '../../src/ops/prometheus-metrics.js'
import type { StageRunnerDeps } from '../../src/pipeline/stage-runner.js'
import { finishingAtOnce, runnerHarness } from '../support/stage-runner-harness.js'

/**
 * Was: after a rebalance moved a partition to another instance, this one kept exporting its
 * moca_relay_in_flight and moca_relay_consumer_lag series, frozen at their last values, next to
 * the new owner's: sum() over the group counted the partition twice, and its lag never fell.
 */

const IN = 'orders'
const LEDGER = 'relay.issue-ledger'

const partitionSeries = (text: string, partition: number): string[] =>
  text
    .split('\n')
    .filter((l) => /^moca_relay_(in_flight|consumer_lag)\{/.test(l))
    .filter((l) => l.includes(`partition="${partition}"`))

/** The runner, its gauges in `metrics`, owning partitions 0 and 1 of IN (ledgers empty). */
async function startedOnTwoPartitions(deps: Partial<StageRunnerDeps> = {}) {
  const metrics = createPrometheusMetrics()
  const h = runnerHarness({
    input: IN,
    ledger: LEDGER,
    ledgerBounds: [
      { partition: 0, low: 0, high: 0 },
      { partition: 1, low: 0, high: 0 },
    ],
    deps: { metrics, ...deps },
  })
  await h.runner.start()
  h.join({ [IN]: [0, 1], [LEDGER]: [0, 1] })
  await h.settle()
  return { h, metrics }
}

describe('the gauges of a partition', () => {
  it('leave /metrics when a rebalance takes the partition away, and come back with it', async () => {
    const { h, metrics } = await startedOnTwoPartitions()
    // the record's work never ends (the harness's processor): it stays in flight
    await h.inputBatch(0, [{ offset: 0, value: Buffer.from('{}') }])
    await h.inputBatch(1, [{ offset: 0, value: Buffer.from('{}') }])
    await h.settle()
    expect(partitionSeries(await metrics.render(), 1)).toEqual([
      'moca_relay_in_flight{stage="issue",topic="orders",partition="1"} 1',
      'moca_relay_consumer_lag{stage="issue",topic="orders",partition="1"} 0',
    ])

    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.settle()
    const text = await metrics.render()
    expect(partitionSeries(text, 1)).toEqual([])
    expect(partitionSeries(text, 0)).toHaveLength(2)

    h.join({ [IN]: [0, 1], [LEDGER]: [0, 1] })
    await h.settle()
    await h.inputBatch(1, [{ offset: 0, value: Buffer.from('{}') }])
    await h.settle()
    expect(partitionSeries(await metrics.render(), 1)).toHaveLength(2)
  })

  it('do not come back with the last commit of the worker a rebalance stopped', async () => {
    // each record is done at once; its commit waits for the linger, or for the worker's stop
    const { h, metrics } = await startedOnTwoPartitions({
      createProcessor: finishingAtOnce('credential.issued'),
      lingerMs: 60_000,
    })
    await h.inputBatch(1, [{ offset: 0, value: Buffer.from('{}') }])
    expect(partitionSeries(await metrics.render(), 1)).toHaveLength(2)

    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.settle(20) // the stopping worker's flush commits on a timer
    expect(h.committed.map((t) => t.offset)).toEqual([1])
    expect(partitionSeries(await metrics.render(), 1)).toEqual([])
  })
})
