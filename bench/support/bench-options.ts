import { parseArgs } from 'node:util'

/** Every scenario the bench knows, in the order a full run executes them. */
export const SCENARIOS = [
  'b0',
  'naive1',
  'naive12',
  'relay50',
  'replay',
  'relay0',
  'relay50-poison',
  'memory',
  'restore',
  'retention',
] as const
export type ScenarioId = (typeof SCENARIOS)[number]

export interface BenchOptions {
  readonly events: number
  readonly partitions: number
  readonly users: number
  readonly scenarios: readonly ScenarioId[]
  readonly naiveWindowMs: number
  readonly probeRate: number
  readonly b0Runs: number
  readonly relayRuns: number
  /** Discarded relay50 runs before anything is measured, so the broker runs warm. */
  readonly warmupRuns: number
  readonly memoryLow: number
  readonly memoryHigh: number
  readonly memoryIssueLatencyMs: number
  /** Issued credentials in the ledgers of the restore scenario. */
  readonly restoreCredentials: number
  readonly cpuProfile: boolean
  readonly heapSnapshots: boolean
  readonly resultsDir: string
}

/**
 * Defaults sized for a default run of a few minutes on 2 cores: the issue's 20,000 events over 12
 * partitions; 5,000 users (4 events each, so per-user ordering is exercised but never the limit).
 */
const DEFAULTS = {
  events: 20_000,
  partitions: 12,
  users: 5_000,
  // The naive loop finishes ~1 event/s per partition: 30 s gives ~30 (sequential) to ~350
  // (12 partitions) events, enough for a rate within a few percent.
  naiveWindowSeconds: 30,
  // 50 probes/s is ~2% of the relay's load, yet ~500 latency samples per run.
  probeRate: 50,
  // B0 takes well under a second and varies by ±30% on a shared box: the median of five.
  b0Runs: 5,
  // A relay run is ~15 s: three give a median without stretching the default run past ~5 min.
  relayRuns: 3,
  // A freshly started broker's JIT compiler compiles its transaction paths during the first two
  // relay runs (5.6 s of C2 CPU in the first, 0.5 s by the third): two warm-up runs.
  warmupRuns: 2,
  memoryLow: 500,
  memoryHigh: 5_000,
  // Far longer than the memory scenario takes, so no issuance completes while it measures.
  memoryIssueLatencySeconds: 120,
  // 600,000 ledger records: long enough to read a rate, a few seconds to write.
  restoreCredentials: 200_000,
  resultsDir: 'results',
} as const

export const USAGE = `Usage: npm run bench -- [options]
  --events N            backlog events (default ${DEFAULTS.events}; at least 1,000)
  --partitions N        partitions of the input topic (default ${DEFAULTS.partitions})
  --users N             distinct users in the backlog (default ${DEFAULTS.users})
  --scenarios LIST      comma-separated, from ${SCENARIOS.join(',')} (default: all)
                        replay needs relay50 and runs it if not listed;
                        relay50-poison is relay50 with 10% bad-input corpus records mixed in
  --naive-window S      seconds each naive scenario runs (default ${DEFAULTS.naiveWindowSeconds})
  --probe-rate N        latency probes per second during relay runs (default ${DEFAULTS.probeRate}; 0: none)
  --b0-runs N           repetitions of the passthrough baseline; the median is reported (default ${DEFAULTS.b0Runs})
  --relay-runs N        repetitions of relay50, relay0, relay50-poison and replay; the median is reported (default ${DEFAULTS.relayRuns})
  --warmup-runs N       discarded relay50 runs before measuring, to warm the broker (default ${DEFAULTS.warmupRuns}; 0: none)
  --memory-low N        in-flight issuances of the first memory sample (default ${DEFAULTS.memoryLow})
  --memory-high N       in-flight issuances of the second memory sample (default ${DEFAULTS.memoryHigh})
  --restore-credentials N
                        issued credentials in the ledgers the restore scenario restores (default ${DEFAULTS.restoreCredentials})
  --cpu-prof            write a V8 CPU profile of every relay process and of the sandbox (slows them; not for headline numbers)
  --heap-snapshot       memory scenario: heap snapshots at both levels and their diff by constructor
  --results DIR         where results/<timestamp>/ goes (default ${DEFAULTS.resultsDir})
Kafka: KAFKA_BROKERS when set, else the local stack (started and stopped by the bench if needed).`

export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** `--name N`: `fallback` when absent; a whole number ≥ `min`, or a UsageError naming the option. */
export function parseWholeNumberOption(
  name: string,
  text: string | undefined,
  fallback: number,
  min: number,
): number {
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isInteger(value) || value < min) {
    throw new UsageError(`--${name} must be a whole number ≥ ${min}; got "${text}"`)
  }
  return value
}

export function parseBenchOptions(argv: readonly string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      events: { type: 'string' },
      partitions: { type: 'string' },
      users: { type: 'string' },
      scenarios: { type: 'string' },
      'naive-window': { type: 'string' },
      'probe-rate': { type: 'string' },
      'b0-runs': { type: 'string' },
      'relay-runs': { type: 'string' },
      'warmup-runs': { type: 'string' },
      'memory-low': { type: 'string' },
      'memory-high': { type: 'string' },
      'restore-credentials': { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      'heap-snapshot': { type: 'boolean', default: false },
      results: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) return 'help'
  const int = parseWholeNumberOption
  const scenarios = parseScenarios(values.scenarios)
  const options: BenchOptions = {
    events: int('events', values.events, DEFAULTS.events, 1_000),
    partitions: int('partitions', values.partitions, DEFAULTS.partitions, 1),
    users: int('users', values.users, DEFAULTS.users, 1),
    scenarios,
    naiveWindowMs:
      int('naive-window', values['naive-window'], DEFAULTS.naiveWindowSeconds, 5) * 1000,
    probeRate: int('probe-rate', values['probe-rate'], DEFAULTS.probeRate, 0),
    b0Runs: int('b0-runs', values['b0-runs'], DEFAULTS.b0Runs, 1),
    relayRuns: int('relay-runs', values['relay-runs'], DEFAULTS.relayRuns, 1),
    warmupRuns: int('warmup-runs', values['warmup-runs'], DEFAULTS.warmupRuns, 0),
    memoryLow: int('memory-low', values['memory-low'], DEFAULTS.memoryLow, 1),
    memoryHigh: int('memory-high', values['memory-high'], DEFAULTS.memoryHigh, 2),
    memoryIssueLatencyMs: DEFAULTS.memoryIssueLatencySeconds * 1000,
    restoreCredentials: int(
      'restore-credentials',
      values['restore-credentials'],
      DEFAULTS.restoreCredentials,
      1_000,
    ),
    cpuProfile: values['cpu-prof'],
    heapSnapshots: values['heap-snapshot'],
    resultsDir: values.results ?? DEFAULTS.resultsDir,
  }
  if (options.memoryHigh <= options.memoryLow) {
    throw new UsageError('--memory-high must be larger than --memory-low')
  }
  return options
}

function parseScenarios(text: string | undefined): ScenarioId[] {
  if (text === undefined) return [...SCENARIOS]
  const asked = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  for (const id of asked) {
    if (!(SCENARIOS as readonly string[]).includes(id)) {
      throw new UsageError(`unknown scenario "${id}"; choose from ${SCENARIOS.join(', ')}`)
    }
  }
  // replay rewinds the relay50 run's group, so it needs that run first
  if (asked.includes('replay') && !asked.includes('relay50')) asked.push('relay50')
  return SCENARIOS.filter((id) => asked.includes(id))
}
