import { percentile, sortedCopy } from '../support/percentiles.js'
import type { ProcUsage } from '../support/proc-usage.js'
import {
  SANDBOX_CALLS_SAMPLE_INTERVAL_MS,
  type SandboxCallSample,
} from '../support/sandbox-calls-sampler.js'
import { USAGE_SAMPLE_INTERVAL_MS } from '../support/usage-sampler.js'
import type { LatencySummary, TimelinePoint } from './scenario-result.js'

export function summarizeLatency(latencies: readonly number[]): LatencySummary | null {
  if (latencies.length === 0) return null
  const sorted = sortedCopy(latencies)
  return {
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1] as number,
    samples: sorted.length,
  }
}

export interface TimelineInput {
  /** Epoch ms of second 0 (the relay ready). */
  readonly from: number
  readonly to: number
  /** Visible times of backlog completions. */
  readonly completions: readonly number[]
  /** Visible times of backlog credential.issued events. */
  readonly issued: readonly number[]
  readonly probes: readonly { readonly at: number; readonly latencyMs: number }[]
  /** Relay /proc samples, four a second. */
  readonly cpu: readonly ProcUsage[]
  /** Sandbox call counters, about two per second. */
  readonly sandboxCalls: readonly SandboxCallSample[]
}

/** Per-second buckets from `from` to the second that holds `to`. */
export function buildTimeline(input: TimelineInput): TimelinePoint[] {
  const seconds = Math.max(1, Math.ceil((input.to - input.from) / 1000))
  const onchain = new Array<number>(seconds).fill(0)
  const issued = new Array<number>(seconds).fill(0)
  const probeBuckets = Array.from({ length: seconds }, () => [] as number[])
  const bucketOf = (at: number): number =>
    Math.min(seconds - 1, Math.max(0, Math.floor((at - input.from) / 1000)))
  for (const at of input.completions) onchain[bucketOf(at)]! += 1
  for (const at of input.issued) issued[bucketOf(at)]! += 1
  for (const probe of input.probes) {
    if (probe.at >= input.from && probe.at <= input.to)
      probeBuckets[bucketOf(probe.at)]!.push(probe.latencyMs)
  }
  return onchain.map((count, second): TimelinePoint => {
    const latencies = sortedCopy(probeBuckets[second] ?? [])
    return {
      second,
      onchain: count,
      issued: issued[second] ?? 0,
      probeP50Ms: latencies.length === 0 ? null : percentile(latencies, 0.5),
      probeP99Ms: latencies.length === 0 ? null : percentile(latencies, 0.99),
      issueCallsPerSecond: callRateIn(
        input.sandboxCalls,
        'issue',
        input.from + second * 1000,
        input.from + (second + 1) * 1000,
      ),
      statusCallsPerSecond: callRateIn(
        input.sandboxCalls,
        'status',
        input.from + second * 1000,
        input.from + (second + 1) * 1000,
      ),
      relayCpuPct: cpuPercentIn(
        input.cpu,
        input.from + second * 1000,
        input.from + (second + 1) * 1000,
      ),
    }
  })
}

/**
 * The two samples closest to [start, end], each within half its sampler's interval of its edge:
 * the last at or before start + slack, the first at or after end - slack.
 */
function samplesAround<T extends { readonly at: number }>(
  samples: readonly T[],
  start: number,
  end: number,
  intervalMs: number,
): { readonly before: T; readonly after: T } | null {
  const slack = intervalMs / 2
  const before = samples.findLast((s) => s.at <= start + slack) ?? samples[0]
  const after = samples.find((s) => s.at >= end - slack) ?? samples[samples.length - 1]
  return before && after && after.at > before.at ? { before, after } : null
}

/** Calls per second at the sandbox between the two samples closest to [start, end]. */
function callRateIn(
  samples: readonly SandboxCallSample[],
  kind: 'issue' | 'status',
  start: number,
  end: number,
): number | null {
  const around = samplesAround(samples, start, end, SANDBOX_CALLS_SAMPLE_INTERVAL_MS)
  if (around === null) return null
  const { before, after } = around
  return ((after[kind] - before[kind]) / (after.at - before.at)) * 1000
}

/** CPU % of one core between the two samples closest to [start, end]. */
function cpuPercentIn(samples: readonly ProcUsage[], start: number, end: number): number | null {
  const around = samplesAround(samples, start, end, USAGE_SAMPLE_INTERVAL_MS)
  if (around === null) return null
  const { before, after } = around
  return ((after.cpuMs - before.cpuMs) / (after.at - before.at)) * 100
}
