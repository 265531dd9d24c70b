import {
  confirmLedgerTopic,
  confirmQueueTopic,
  issueLedgerTopic,
} from '../../src/ledger/ledger-topics.js'
import type { BenchContext } from '../support/bench-context.js'
import type { OutputWatcher, ProbeLatency } from '../support/output-watcher.js'
import { percentile, sortedCopy } from '../support/percentiles.js'
import { benchOutputTopics } from '../support/relay-config.js'

/** Figures derived from one relay run's outputs, for the detail of its report row. */

/** Onchain record timestamp (set when the relay sent it) → visible to a read_committed reader. */
export function visibilityLag(watcher: OutputWatcher, q: number): number {
  const lags = watcher.backlogOnchain.map((at, i) => at - (watcher.backlogOnchainProduced[i] ?? at))
  return percentile(sortedCopy(lags), q)
}

/** The rate between the 10th and the 90th percentile completion: without ramp-up and tail. */
export function steadyRate(completions: readonly number[]): number {
  const sorted = sortedCopy(completions)
  const from = percentile(sorted, 0.1)
  const to = percentile(sorted, 0.9)
  return to > from ? (0.8 * sorted.length) / ((to - from) / 1000) : Number.NaN
}

/**
 * A probe's latency split at its credential.issued becoming visible: the issue stage (produce →
 * issued visible) and the confirm stage (issued visible → onchain visible, ≥ 1 s by the sandbox).
 */
export function probeStage(
  probes: readonly ProbeLatency[],
  stage: 'issue' | 'confirm',
  q: number,
): number | null {
  const values = probes.flatMap((p) =>
    p.issuedAfterMs === null
      ? []
      : [stage === 'issue' ? p.issuedAfterMs : p.latencyMs - p.issuedAfterMs],
  )
  return values.length === 0 ? null : percentile(sortedCopy(values), q)
}

/**
 * Offsets the run added to each of the relay's topics per event handled: records plus the
 * transaction markers (one per partition a transaction touched), i.e. the broker's write load.
 */
export async function offsetsPerEvent(
  ctx: BenchContext,
  run: { readonly prefix: string; readonly inputTopic: string },
  events: number,
): Promise<Record<string, number>> {
  const { prefix } = run
  const topics = {
    'offsetsPerEvent issue-ledger': issueLedgerTopic(prefix, run.inputTopic),
    'offsetsPerEvent confirm-queue': confirmQueueTopic(prefix),
    'offsetsPerEvent confirm-ledger': confirmLedgerTopic(prefix),
    'offsetsPerEvent issued': benchOutputTopics(prefix).issued,
    'offsetsPerEvent onchain': benchOutputTopics(prefix).onchain,
  }
  const out: Record<string, number> = {}
  for (const [label, topic] of Object.entries(topics)) {
    const partitions = await ctx.kafka.admin.fetchTopicOffsets(topic)
    out[label] = partitions.reduce((sum, p) => sum + Number(p.high), 0) / events
  }
  return out
}
