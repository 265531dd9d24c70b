import { describe, expect, it } from 'vitest'
import { createPrometheusMetrics } from '../../src/ops/prometheus-metrics.js'
import { finishingAtOnce, runnerHarness } from '../support/stage-runner-harness.js'

/**
 * Was: moca_relay_consumer_lag was the high watermark minus the next offset to admit, so on a
 * topic written in transactions (every output of the relay, and any transactional producer's
 * topic) the commit marker after the last record kept it at 1 per partition for good, with
 * everything consumed and committed: an alert on lag > 0 fired forever. And a marker read in a
 * fetch of its own (kafkajs reports such a batch, it does not hand it to eachBatch) never moved it.
 */

const IN = 'orders'
const LEDGER = 'relay.issue-ledger'
const LAG = 'moca_relay_consumer_lag{stage="issue",topic="orders",partition="0"}'

async function lagOf(metrics: { render(): Promise<string> }): Promise<number | undefined> {
  const line = (await metrics.render()).split('\n').find((l) => l.startsWith(`${LAG} `))
  return line === undefined ? undefined : Number(line.slice(LAG.length + 1))
}

async function started() {
  const metrics = createPrometheusMetrics()
  const h = runnerHarness({
    input: IN,
    ledger: LEDGER,
    deps: {
      metrics,
      createProcessor: finishingAtOnce('credential.issued'),
    },
  })
  await h.runner.start()
  h.join({ [IN]: [0], [LEDGER]: [0] })
  await h.settle()
  return { h, metrics }
}

const records = (...offsets: number[]) => offsets.map((offset) => ({ offset, value: null }))

describe('moca_relay_consumer_lag on a topic written in transactions', () => {
  it('reads 0 once the records and the commit marker after them are consumed', async () => {
    const { h, metrics } = await started()
    // offsets 0 and 1, the commit marker at 2: the high watermark is 3
    await h.inputBatch(0, records(0, 1), { controlRecordsAfter: 1 })
    await h.settle(20)
    expect(await lagOf(metrics)).toBe(0)
  })

  it('reads 0 when the commit marker comes in a fetch of its own', async () => {
    const { h, metrics } = await started()
    // the fetch stopped before the marker at 2, which the broker had written already
    await h.inputBatch(0, records(0, 1), { highWatermark: 3 })
    expect(await lagOf(metrics)).toBe(1)
    h.controlBatch(0, 2)
    expect(await lagOf(metrics)).toBe(0)
  })

  it('still counts the records the consumer has not read', async () => {
    const { h, metrics } = await started()
    await h.inputBatch(0, records(0, 1), { highWatermark: 10 })
    expect(await lagOf(metrics)).toBe(8)
  })
})
