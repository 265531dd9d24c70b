import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { stringify } from 'yaml'
import type { SandboxStats } from '../../src/sandbox/sandbox-stats.js'
import { BENCH_PARTNER_ID, BENCH_PROGRAM, BENCH_SUBJECT_SCHEMA } from './bench-events.js'
import { spawnNode, type TrackedChild } from './child-processes.js'
import { findFreePort } from './free-port.js'
import { GiveUpWaiting, waitUntil } from './wait-until.js'

/**
 * The MocaChain sandbox as its own process (`moca-relay sandbox`), so its CPU is not the relay's
 * nor the bench's, driven through its control API.
 */
export interface SandboxProcess {
  readonly process: TrackedChild
  /** Base URL of the API, `http://127.0.0.1:PORT/v1`. */
  readonly url: string
  /** Back to the config as loaded: no credentials, zeroed counters, no faults. */
  reset(): Promise<void>
  /** Injected latency per endpoint, in ms (0: none). */
  setLatency(latency: { readonly issueMs: number; readonly statusMs: number }): Promise<void>
  setOnchainDelay(ms: number): Promise<void>
  stats(): Promise<SandboxStats>
  stop(): Promise<void>
}

export interface SandboxProcessDeps {
  readonly cliPath: string
  readonly jwksUrl: string
  readonly workDir: string
  /** Write a V8 CPU profile of the sandbox here when it exits (`--cpu-prof`). */
  readonly cpuProfileDir?: string
}

/** Start-up is a second or two; a sandbox that does not answer in this long will not. */
const START_TIMEOUT_MS = 30_000
/** The bench needs the counters, not the call log: a short ring keeps the sandbox's heap small. */
const CALL_LOG_LIMIT = 1_000

export async function startSandboxProcess(deps: SandboxProcessDeps): Promise<SandboxProcess> {
  const configPath = join(deps.workDir, 'sandbox.yaml')
  await writeFile(
    configPath,
    stringify({
      partners: [{ partnerId: BENCH_PARTNER_ID, jwksUrl: deps.jwksUrl }],
      programs: [
        {
          ...BENCH_PROGRAM,
          partnerId: BENCH_PARTNER_ID,
          credentialSubjectSchema: BENCH_SUBJECT_SCHEMA,
        },
      ],
      callLogLimit: CALL_LOG_LIMIT,
    }),
  )
  const port = await findFreePort()
  const child = spawnNode({
    name: 'sandbox',
    ...(deps.cpuProfileDir
      ? {
          nodeFlags: [
            '--cpu-prof',
            '--cpu-prof-dir',
            deps.cpuProfileDir,
            '--cpu-prof-name',
            'sandbox.cpuprofile',
          ],
        }
      : {}),
    script: deps.cliPath,
    args: ['sandbox', '--config', configPath, '--port', String(port)],
    env: { ...process.env, LOG_LEVEL: 'warn' },
    logFile: join(deps.workDir, 'sandbox.log'),
  })
  const origin = `http://127.0.0.1:${port}`
  const control = async (
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<unknown> => {
    const res = await fetch(`${origin}/_sandbox/${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      signal: AbortSignal.timeout(10_000),
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`sandbox ${method} ${path}: ${res.status} ${text}`)
    return JSON.parse(text) as unknown
  }
  await waitUntil(
    async () => {
      if (!child.alive) throw new GiveUpWaiting(`the sandbox exited; see ${child.logFile}`)
      return (await control('GET', 'health')) ? true : undefined
    },
    { what: `the sandbox on port ${port} (log ${child.logFile})`, timeoutMs: START_TIMEOUT_MS },
  )
  const latency = (ms: number): { latency: { fixedMs: number } } | Record<string, never> =>
    ms > 0 ? { latency: { fixedMs: ms } } : {}
  return {
    process: child,
    url: `${origin}/v1`,
    async reset() {
      await control('POST', 'reset')
    },
    async setLatency({ issueMs, statusMs }) {
      await control('POST', 'faults', { issue: latency(issueMs), status: latency(statusMs) })
    },
    async setOnchainDelay(ms) {
      await control('POST', 'settings', { onchainDelayMs: ms })
    },
    async stats() {
      return (await control('GET', 'stats')) as SandboxStats
    },
    async stop() {
      await child.stop(5_000)
    },
  }
}
