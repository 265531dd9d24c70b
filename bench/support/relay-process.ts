import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stringify } from 'yaml'
import { RELAY_NODE_FLAGS } from '../../src/cli/relay-node-flags.js'
import { spawnNode, type TrackedChild } from './child-processes.js'
import { findFreePort } from './free-port.js'
import { readProcUsage, type ProcUsage } from './proc-usage.js'
import { GiveUpWaiting, waitUntil } from './wait-until.js'

/** `moca-relay run` as a child process: its CPU and memory are the relay's alone. */
export interface RelayProcess {
  readonly process: TrackedChild
  readonly opsUrl: string
  /** Polls /readyz until the relay joined its groups and restored its ledgers; returns that time. */
  waitReady(timeoutMs: number): Promise<number>
  metrics(): Promise<string>
  usage(): ProcUsage | null
  /**
   * Full GC, then process.memoryUsage() (only with `heapProbe: true`); with `snapshotPath`, a
   * heap snapshot is written there too.
   */
  heapAfterGc(snapshotPath?: string): Promise<NodeJS.MemoryUsage>
  /** SIGTERM (the relay drains and commits), SIGKILL after `graceMs`. */
  stop(graceMs: number): Promise<void>
}

export interface StartRelayOptions {
  readonly cliPath: string
  /** Names the log and config files. */
  readonly name: string
  /** Built by benchRelayConfig; ops.port is set here, to a free port. */
  readonly rawConfig: Record<string, unknown>
  readonly privateKeyPem: string
  readonly workDir: string
  /** Write a V8 CPU profile into this folder when the relay exits. */
  readonly cpuProfileDir?: string
  /** Load heap-probe-preload.js (with --expose-gc) for heapAfterGc(). */
  readonly heapProbe?: boolean
}

const HEAP_PROBE_PRELOAD = fileURLToPath(new URL('./heap-probe-preload.js', import.meta.url))

export async function startRelayProcess(options: StartRelayOptions): Promise<RelayProcess> {
  const opsPort = await findFreePort()
  const raw = { ...options.rawConfig, ops: { port: opsPort } }
  const configPath = join(options.workDir, `${options.name}.relay.yaml`)
  // The private key goes through the environment of the child only, never into the file.
  await writeFile(configPath, stringify(raw))
  const heapFile = join(options.workDir, `${options.name}.heap.json`)
  // As `moca-relay` runs: the bench measures the relay users start.
  const nodeFlags = [
    ...RELAY_NODE_FLAGS,
    ...(options.cpuProfileDir
      ? [
          '--cpu-prof',
          '--cpu-prof-dir',
          options.cpuProfileDir,
          '--cpu-prof-name',
          `${options.name}.cpuprofile`,
        ]
      : []),
    ...(options.heapProbe ? ['--expose-gc', '--import', HEAP_PROBE_PRELOAD] : []),
  ]
  const child = spawnNode({
    name: options.name,
    nodeFlags,
    script: options.cliPath,
    args: ['run', '--config', configPath],
    env: {
      ...process.env,
      // config/ lets these win over the file; the bench's file already says what it wants
      KAFKA_BROKERS: undefined,
      MOCA_BASE_URL: undefined,
      MOCA_PARTNER_ID: undefined,
      MOCA_RELAY_OPS_PORT: undefined,
      LOG_LEVEL: undefined,
      MOCA_PARTNER_PRIVATE_KEY: options.privateKeyPem,
      BENCH_HEAP_PROBE_FILE: options.heapProbe ? heapFile : undefined,
    },
    logFile: join(options.workDir, `${options.name}.log`),
  })
  const opsUrl = `http://127.0.0.1:${opsPort}`
  return {
    process: child,
    opsUrl,
    async waitReady(timeoutMs) {
      return waitUntil(
        async () => {
          if (!child.alive) throw new GiveUpWaiting(`the relay exited; see ${child.logFile}`)
          const res = await fetch(`${opsUrl}/readyz`, { signal: AbortSignal.timeout(2_000) })
          await res.arrayBuffer()
          return res.status === 200 ? Date.now() : undefined
        },
        {
          what: `relay ${options.name} to be ready (log ${child.logFile})`,
          timeoutMs,
          intervalMs: 25,
        },
      )
    },
    async metrics() {
      const res = await fetch(`${opsUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })
      return res.text()
    },
    usage: () => readProcUsage(child.pid),
    async heapAfterGc(snapshotPath) {
      if (!options.heapProbe) throw new Error('heapAfterGc needs heapProbe: true')
      if (snapshotPath) await writeFile(`${heapFile}.request`, JSON.stringify({ snapshotPath }))
      const asked = Date.now()
      child.child.kill('SIGUSR2')
      return waitUntil(
        async () => {
          const sample = JSON.parse(await readFile(heapFile, 'utf8')) as NodeJS.MemoryUsage & {
            at: number
          }
          return sample.at >= asked ? sample : undefined
        },
        // a snapshot of a few hundred MB takes tens of seconds on a loaded box
        { what: `a heap sample from ${options.name}`, timeoutMs: 120_000, intervalMs: 50 },
      )
    },
    async stop(graceMs) {
      await child.stop(graceMs)
    },
  }
}
