import type { HeapGrowthRow } from './heap-snapshot-diff.js'

/** What one scenario measured: a row of the report table plus its detail. */
export interface ScenarioResult {
  /** Short id used on the command line (bench-options.ts SCENARIOS): b0, relay50, memory… */
  readonly id: string
  readonly title: string
  /** Events the rate is computed over. */
  readonly events: number
  /** The measured interval, in seconds (see `definition`). */
  readonly seconds: number
  readonly eventsPerSecond: number | null
  readonly cpuUsPerEvent: number | null
  readonly latencyMs: LatencySummary | null
  readonly peakRssBytes: number | null
  /** How the rate's interval is defined for this scenario. */
  readonly definition: string
  readonly notes: readonly string[]
  /** Numbers behind the row: time to first output, HTTP calls, heap samples… */
  readonly detail: Readonly<Record<string, number | string | boolean | null>>
  readonly checks: readonly Check[]
  /** Per-second series, relay scenarios only. */
  readonly timeline?: readonly TimelinePoint[]
  /** Memory scenario with --heap-snapshot: what one in-flight issuance adds, by constructor. */
  readonly heapGrowth?: readonly HeapGrowthRow[]
  /** When the row is the median of several runs: every run's events/s. */
  readonly runs?: readonly number[]
}

/** The median of several runs of one scenario by events/s (the lower middle of an even count). */
export function medianByRate<T extends ScenarioResult>(runs: readonly T[]): T | undefined {
  const sorted = [...runs].sort((a, b) => (a.eventsPerSecond ?? 0) - (b.eventsPerSecond ?? 0))
  return sorted[Math.floor((sorted.length - 1) / 2)]
}

/** Every run's events/s, for the notes: "2188, 2038, 1869". */
export function ratesOf(runs: readonly ScenarioResult[]): string {
  return runs.map((r) => (r.eventsPerSecond ?? 0).toFixed(0)).join(', ')
}

export interface LatencySummary {
  readonly p50: number
  readonly p99: number
  readonly max: number
  readonly samples: number
}

export interface TimelinePoint {
  /** Seconds since the relay was ready. */
  readonly second: number
  /** Backlog events that became visible as credential.onchain during this second. */
  readonly onchain: number
  /** Backlog events that became visible as credential.issued during this second. */
  readonly issued: number
  /** Probe latency percentiles of probes that completed during this second (null: none did). */
  readonly probeP50Ms: number | null
  readonly probeP99Ms: number | null
  /** HTTP calls the sandbox received in this second. */
  readonly issueCallsPerSecond: number | null
  readonly statusCallsPerSecond: number | null
  /** Relay CPU used in this second, in percent of one core. */
  readonly relayCpuPct: number | null
}

export interface Check {
  readonly name: string
  readonly ok: boolean
  readonly detail: string
}
