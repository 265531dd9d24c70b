import {
  confirmLedgerTopic,
  confirmQueueTopic,
  issueLedgerTopic,
} from '../../src/ledger/ledger-topics.js'
import type { BenchContext } from '../support/bench-context.js'
import type { OutputWatcher, ProbeLatency } from '../support/output-watcher.js'
import { percentile, sortedCopy } from '../support/percentiles.js'
import type { ProcUsage } from '../support/proc-usage.js'
import { benchOutputTopics } from '../support/relay-config.js'

/** Figures derived from one relay run's outputs, for the detail of its report row. */

/** Onchain record timestamp (set when the relay sent it) → visible to a read_committed reader. */
export function visibilityLag(watcher: OutputWatcher, q: number): number {
  const lags = watcher.backlogOnchain.map((at, i) => at - (watcher.backlogOnchainProduced[i] ?? at))
  return percentile(sortedCopy(lags), q)
}

/** A relay run's milestones, as epoch ms; `done` is `readyAt` when nothing went onchain. */
export interface RunMilestones {
  /** The last backlog credential.onchain visible: the end of the run. */
  readonly done: number
  readonly firstOnchain: number
  readonly firstIssued: number
  readonly lastIssued: number
  /** The first backlog credential.onchain as the relay stamped it. */
  readonly firstOnchainProduced: number
  /** The last backlog credential.failed visible, or `readyAt` when none. */
  readonly lastFailed: number
}

export function runMilestones(
  watcher: Pick<
    OutputWatcher,
    'backlogOnchain' | 'backlogIssued' | 'backlogOnchainProduced' | 'backlogFailed'
  >,
  readyAt: number,
): RunMilestones {
  // Not Math.max(...times): one argument per record overflows the call stack at 200,000 events.
  const largest = (times: readonly number[], floor = Number.NEGATIVE_INFINITY): number =>
    times.reduce((a, b) => Math.max(a, b), floor)
  const smallest = (times: readonly number[]): number =>
    times.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY)
  return {
    done: largest(watcher.backlogOnchain, readyAt),
    firstOnchain: smallest(watcher.backlogOnchain),
    firstIssued: smallest(watcher.backlogIssued),
    lastIssued: largest(watcher.backlogIssued),
    firstOnchainProduced: smallest(watcher.backlogOnchainProduced),
    lastFailed: largest(watcher.backlogFailed, readyAt),
  }
}

/** The steady state of a run: its 10th to 90th percentile completion, without ramp-up and tail. */
function steadyWindow(completions: readonly number[]): { from: number; to: number } {
  const sorted = sortedCopy(completions)
  return { from: percentile(sorted, 0.1), to: percentile(sorted, 0.9) }
}

/** The rate in the steady window: 80% of the completions over its length. */
export function steadyRate(completions: readonly number[]): number {
  const { from, to } = steadyWindow(completions)
  return to > from ? (0.8 * completions.length) / ((to - from) / 1000) : Number.NaN
}

/** Shorter than this, the CPU clock's 10 ms ticks say too little (≥ 1% of the window). */
const MIN_STEADY_WINDOW_MS = 2_000

/** What the relay produced, as a read_committed reader saw it: visible times (epoch ms). */
export interface RunCompletions {
  readonly issued: readonly number[]
  readonly onchain: readonly number[]
  /** credential.failed (poison records: one stage, no confirmation). */
  readonly failed: readonly number[]
  /** Probe events' onchain visible times. */
  readonly probes: readonly number[]
}

/**
 * The relay's CPU per event once it is warm and the backlog flows: between the usage samples
 * nearest inside the 10th → 90th percentile onchain completions (steadyRate's window), so without
 * the fresh process's start (interpreted code, JIT compilation, the slow start of its in-flight
 * budget) and the tail. An event counts half at its credential.issued and half at its
 * credential.onchain (the confirm stage runs ≈ 1 s behind the issue stage), a failed event or a
 * probe whole. That takes the two stages to cost about the same per event; when the issue stage
 * ends inside the window and costs more, the figure comes out a little low. Null when the window
 * is too short to measure.
 */
export function steadyCpuPerEvent(
  samples: readonly Pick<ProcUsage, 'at' | 'cpuMs'>[],
  completions: RunCompletions,
): number | null {
  const { from, to } = steadyWindow(completions.onchain)
  const first = samples.find((sample) => sample.at >= from)
  const last = samples.findLast((sample) => sample.at <= to)
  if (first === undefined || last === undefined || last.at - first.at < MIN_STEADY_WINDOW_MS)
    return null
  const within = (times: readonly number[]): number =>
    times.filter((at) => at > first.at && at <= last.at).length
  const events =
    (within(completions.issued) + within(completions.onchain)) / 2 +
    within(completions.failed) +
    within(completions.probes)
  return events === 0 ? null : ((last.cpuMs - first.cpuMs) * 1000) / events
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
