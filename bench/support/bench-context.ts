import type { BenchOptions } from './bench-options.js'
import type { KafkaEnvironment } from './kafka-environment.js'
import type { SandboxProcess } from './sandbox-process.js'

/** What every scenario gets: the run's options, broker, sandbox, key and shared input topic. */
export interface BenchContext {
  readonly options: BenchOptions
  readonly kafka: KafkaEnvironment
  readonly sandbox: SandboxProcess
  readonly key: { readonly privateKeyPem: string; readonly kid: string }
  /** dist/src/cli/main.js */
  readonly cliPath: string
  /** results/<timestamp>/: configs, logs, profiles and the report. */
  readonly workDir: string
  /** Every topic and group of this run starts with it. */
  readonly runPrefix: string
  /** The backlog every throughput scenario reads from its beginning. */
  readonly input: { readonly topic: string; readonly events: number; readonly partitions: number }
  /** Pid of the broker's JVM when found (its CPU is context only). */
  readonly brokerPid: number | null
  readonly log: (line: string) => void
}

/** The sandbox settings of every throughput scenario (issue 4): ONCHAIN 1 s after issuance. */
export const ONCHAIN_DELAY_MS = 1_000
export const STATUS_LATENCY_MS = 20
