import { describe, expect, it } from 'vitest'
import { createPrometheusMetrics } from '../../src/ops/prometheus-metrics.js'

/** The value of one sample line of the exposition, as a scraper reads it. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe('the /metrics exposition', () => {
  it('counts records consumed, not batches', async () => {
    const metrics = createPrometheusMetrics()
    metrics.consumed('issue', 'kyc.completed', 40)
    metrics.consumed('issue', 'kyc.completed', 2)
    const text = await metrics.render()
    expect(sample(text, 'moca_relay_consumed_total{stage="issue",topic="kyc.completed"}')).toBe(42)
  })

  it('counts outcomes per failure code, and retries per code', async () => {
    const metrics = createPrometheusMetrics()
    metrics.outcome('issue', 'kyc', 'failed', 'MOCA_CONSENT_REJECTED')
    metrics.outcome('issue', 'kyc', 'failed', 'MOCA_BAD_REQUEST')
    metrics.outcome('issue', 'kyc', 'failed', 'MOCA_BAD_REQUEST')
    metrics.outcome('issue', 'kyc', 'issued')
    metrics.retried('issue', 'kyc', 'MOCA_UNAVAILABLE')
    const text = await metrics.render()
    const outcome = (labels: string) =>
      sample(text, `moca_relay_outcomes_total{stage="issue",route="kyc",${labels}}`)
    expect(outcome('outcome="failed",code="MOCA_BAD_REQUEST"')).toBe(2)
    expect(outcome('outcome="failed",code="MOCA_CONSENT_REJECTED"')).toBe(1)
    expect(outcome('outcome="issued",code=""')).toBe(1)
    expect(
      sample(text, 'moca_relay_retries_total{stage="issue",route="kyc",code="MOCA_UNAVAILABLE"}'),
    ).toBe(1)
  })

  it('counts transactions and the records they committed separately', async () => {
    const metrics = createPrometheusMetrics()
    metrics.committed('issue', 5)
    metrics.committed('issue', 3)
    const text = await metrics.render()
    expect(sample(text, 'moca_relay_transactions_total{stage="issue"}')).toBe(2)
    expect(sample(text, 'moca_relay_committed_records_total{stage="issue"}')).toBe(8)
  })

  it('shows the calls waiting under moca.rateLimit at each scrape, and no such series without one', async () => {
    let waiting = 3
    const metrics = createPrometheusMetrics({ rateLimitWaiting: () => waiting })
    expect(sample(await metrics.render(), 'moca_relay_rate_limit_waiting')).toBe(3)
    waiting = 0
    expect(sample(await metrics.render(), 'moca_relay_rate_limit_waiting')).toBe(0)
    expect(await createPrometheusMetrics().render()).not.toContain('moca_relay_rate_limit_waiting')
  })

  it('shows a circuit open while it is, and closed again after', async () => {
    const metrics = createPrometheusMetrics()
    metrics.circuit('kyc', true)
    expect(sample(await metrics.render(), 'moca_relay_circuit_open{route="kyc"}')).toBe(1)
    metrics.circuit('kyc', false)
    expect(sample(await metrics.render(), 'moca_relay_circuit_open{route="kyc"}')).toBe(0)
  })

  it('reports lag and in-flight records per partition', async () => {
    const metrics = createPrometheusMetrics()
    metrics.lag('issue', 'kyc.completed', 0, 7)
    metrics.lag('issue', 'kyc.completed', 1, 0)
    metrics.inFlight('issue', 'kyc.completed', 1, 4)
    const text = await metrics.render()
    const series = (name: string, partition: number) =>
      `${name}{stage="issue",topic="kyc.completed",partition="${partition}"}`
    expect(sample(text, series('moca_relay_consumer_lag', 0))).toBe(7)
    expect(sample(text, series('moca_relay_consumer_lag', 1))).toBe(0)
    expect(sample(text, series('moca_relay_in_flight', 1))).toBe(4)
  })

  it('shows the ledger sizes of the partitions owned at each scrape, and none of a revoked one', async () => {
    let owned = [
      { stage: 'issue' as const, topic: 'kyc.completed', partition: 0, entries: 120 },
      { stage: 'issue' as const, topic: 'kyc.completed', partition: 1, entries: 80 },
      { stage: 'confirm' as const, topic: 'relay.confirm-queue', partition: 1, entries: 75 },
    ]
    const metrics = createPrometheusMetrics({ ledgerEntries: () => owned })
    const series = (stage: string, topic: string, partition: number) =>
      `moca_relay_ledger_entries{stage="${stage}",topic="${topic}",partition="${partition}"}`
    let text = await metrics.render()
    expect(sample(text, series('issue', 'kyc.completed', 0))).toBe(120)
    expect(sample(text, series('issue', 'kyc.completed', 1))).toBe(80)
    expect(sample(text, series('confirm', 'relay.confirm-queue', 1))).toBe(75)

    // a rebalance took partition 0 away: its ledger left this process's heap
    owned = owned.slice(1)
    text = await metrics.render()
    expect(sample(text, series('issue', 'kyc.completed', 0))).toBeUndefined()
    expect(sample(text, series('issue', 'kyc.completed', 1))).toBe(80)
  })
})
