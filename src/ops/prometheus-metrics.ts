import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { Outcome, RelayMetrics, StageName } from '../pipeline/relay-metrics.js'

export interface PrometheusMetrics extends RelayMetrics {
  readonly registry: Registry
  /** Prometheus text exposition. */
  render(): Promise<string>
  readonly contentType: string
}

/**
 * MocaChain calls take tens of milliseconds when healthy and up to the request timeout when not:
 * buckets from 5 ms to 10 s.
 */
const MOCA_LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

export interface PrometheusMetricsOptions {
  /** Calls waiting for their turn under moca.rateLimit now (read at each scrape). */
  readonly rateLimitWaiting?: () => number
  /** The partitions this process owns now and their in-memory ledger sizes (read at each scrape). */
  readonly ledgerEntries?: () => Iterable<LedgerSize>
}

export interface LedgerSize {
  readonly stage: StageName
  readonly topic: string
  readonly partition: number
  readonly entries: number
}

/** The relay's metrics, named `moca_relay_*`, plus Node's process metrics. */
export function createPrometheusMetrics(options: PrometheusMetricsOptions = {}): PrometheusMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'moca_relay_' })
  const { rateLimitWaiting, ledgerEntries } = options
  if (rateLimitWaiting !== undefined) {
    new Gauge({
      name: 'moca_relay_rate_limit_waiting',
      help: 'MocaChain calls waiting for their turn under moca.rateLimit: above 0 for long, the cap is what limits throughput.',
      registers: [registry],
      collect() {
        this.set(rateLimitWaiting())
      },
    })
  }
  if (ledgerEntries !== undefined) {
    new Gauge({
      name: 'moca_relay_ledger_entries',
      help: 'Entries held in memory by the ledger of each partition this process owns: size the heap by their sum (docs/architecture.md, "The ledger").',
      labelNames: ['stage', 'topic', 'partition'] as const,
      registers: [registry],
      collect() {
        // only the partitions owned now: a revoked partition's ledger is gone from this heap
        this.reset()
        for (const { stage, topic, partition, entries } of ledgerEntries()) {
          this.set({ stage, topic, partition: String(partition) }, entries)
        }
      },
    })
  }
  const consumed = new Counter({
    name: 'moca_relay_consumed_total',
    help: 'Records consumed, by stage and topic.',
    labelNames: ['stage', 'topic'] as const,
    registers: [registry],
  })
  const outcomes = new Counter({
    name: 'moca_relay_outcomes_total',
    help: 'Outcomes per record: issued, onchain, failed (with code), skipped (with reason), duplicate (already in the ledger), reconfirmed and forgotten (a redrive re-poll: queued again, or no ledger entry left to poll); blocked (with code): a record this relay cannot act on (a confirm request of a newer relay, or an input record the schema registry refuses the relay to decode) stops its partition, counted each time it is read.',
    labelNames: ['stage', 'route', 'outcome', 'code'] as const,
    registers: [registry],
  })
  const retries = new Counter({
    name: 'moca_relay_retries_total',
    help: 'MocaChain calls retried, by error code.',
    labelNames: ['stage', 'route', 'code'] as const,
    registers: [registry],
  })
  const mocaLatency = new Histogram({
    name: 'moca_relay_moca_request_duration_seconds',
    help: 'MocaChain call latency, by operation and result (ok or error code).',
    labelNames: ['operation', 'result'] as const,
    buckets: MOCA_LATENCY_BUCKETS,
    registers: [registry],
  })
  const inFlight = new Gauge({
    name: 'moca_relay_in_flight',
    help: 'Records whose work still runs (what the in-flight budget bounds), per partition this process owns.',
    labelNames: ['stage', 'topic', 'partition'] as const,
    registers: [registry],
  })
  const committed = new Counter({
    name: 'moca_relay_committed_records_total',
    help: 'Records (outputs and ledger entries) committed in Kafka transactions.',
    labelNames: ['stage'] as const,
    registers: [registry],
  })
  const transactions = new Counter({
    name: 'moca_relay_transactions_total',
    help: 'Kafka transactions committed.',
    labelNames: ['stage'] as const,
    registers: [registry],
  })
  const circuit = new Gauge({
    name: 'moca_relay_circuit_open',
    help: '1 while the route is paused by its circuit breaker (systemic MocaChain errors).',
    labelNames: ['route'] as const,
    registers: [registry],
  })
  const lag = new Gauge({
    name: 'moca_relay_consumer_lag',
    help: 'Records the stage has yet to read, per partition this process owns: the high watermark at the last fetch minus the position after the last record admitted and the transaction markers read with it (0 when everything written is read, a commit marker at the end included).',
    labelNames: ['stage', 'topic', 'partition'] as const,
    registers: [registry],
  })

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    consumed(stage: StageName, topic: string, count: number) {
      consumed.inc({ stage, topic }, count)
    },
    outcome(stage: StageName, route: string, outcome: Outcome, code?: string) {
      outcomes.inc({ stage, route, outcome, code: code ?? '' })
    },
    retried(stage: StageName, route: string, code: string) {
      retries.inc({ stage, route, code })
    },
    mocaCall(operation, result, seconds) {
      mocaLatency.observe({ operation, result }, seconds)
    },
    inFlight(stage, topic, partition, value) {
      inFlight.set({ stage, topic, partition: String(partition) }, value)
    },
    committed(stage, records) {
      committed.inc({ stage }, records)
      transactions.inc({ stage })
    },
    circuit(route, open) {
      circuit.set({ route }, open ? 1 : 0)
    },
    lag(stage, topic, partition, value) {
      lag.set({ stage, topic, partition: String(partition) }, value)
    },
    partitionReleased(stage, topic, partition) {
      const labels = { stage, topic, partition: String(partition) }
      inFlight.remove(labels)
      lag.remove(labels)
    },
  }
}
