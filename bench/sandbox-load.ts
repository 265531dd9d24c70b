/**
 * The load side of bench/sandbox-bench.ts, run in its own process so the sandbox's CPU is
 * measured apart from the client's. Receives its settings and the partner's private key over IPC
 * (never argv or env, where other processes could read the key), drives a closed loop of issue
 * and status calls through the real MocaClient, and reports counts, latencies and its own CPU.
 */
import { performance } from 'node:perf_hooks'
import { loadSigningKey } from '../src/auth/load-signing-key.js'
import { createPartnerTokenCache } from '../src/auth/partner-token-cache.js'
import { createPartnerTokenSigner } from '../src/auth/partner-token-signer.js'
import { createMocaClient } from '../src/moca/http-moca-client.js'
import type { IssueCall } from '../src/moca/moca-client.js'
import { isMocaError } from '../src/moca/moca-error.js'

export interface LoadSettings {
  readonly baseUrl: string
  readonly privateKeyPem: string
  readonly partnerId: string
  readonly program: IssueCall['program']
  readonly emails: number
  readonly connections: number
  readonly inFlight: number
  readonly warmupMs: number
  readonly durationMs: number
  /** Share of calls that are issue calls; the rest poll the status of earlier issuances. */
  readonly issueShare: number
}

export interface LoadReport {
  readonly requests: number
  readonly issues: number
  readonly statuses: number
  readonly errors: Record<string, number>
  readonly elapsedMs: number
  readonly latenciesMs: {
    readonly p50: number
    readonly p90: number
    readonly p99: number
    readonly max: number
  }
  readonly cpuMs: number
}

async function run(settings: LoadSettings): Promise<LoadReport> {
  const key = await loadSigningKey({ source: { kind: 'text', text: settings.privateKeyPem } })
  const tokens = createPartnerTokenCache({
    signer: createPartnerTokenSigner({ key, partnerId: settings.partnerId }),
  })
  const client = createMocaClient({
    options: { baseUrl: settings.baseUrl, connections: settings.connections },
    tokens,
  })
  const emails = Array.from({ length: settings.emails }, (_, i) => `bench-user-${i}@example.com`)
  const issued: { email: string; coreClaimHash: string }[] = []
  const latencies: number[] = []
  const errors: Record<string, number> = {}
  let issues = 0
  let statuses = 0
  let measuring = false
  let seq = 0

  async function one(): Promise<void> {
    seq += 1
    const doIssue = issued.length === 0 || Math.random() < settings.issueShare
    const started = performance.now()
    try {
      if (doIssue) {
        const email = emails[Math.floor(Math.random() * emails.length)]!
        const res = await client.issue({
          program: settings.program,
          email,
          credentialSubject: { age: 20 + (seq % 50), location: 'United States', isMember: true },
          onDuplicate: 'revoke',
          idempotencyKey: `bench-${process.pid}-${seq}`,
        })
        if (issued.length < 50_000) issued.push({ email, coreClaimHash: res.coreClaimHash })
        else issued[seq % issued.length] = { email, coreClaimHash: res.coreClaimHash }
        if (measuring) issues += 1
      } else {
        const target = issued[Math.floor(Math.random() * issued.length)]!
        await client.status(target)
        if (measuring) statuses += 1
      }
    } catch (err) {
      const code = isMocaError(err) ? `${err.code}/${err.httpStatus ?? '-'}` : String(err)
      if (measuring) errors[code] = (errors[code] ?? 0) + 1
    }
    if (measuring) latencies.push(performance.now() - started)
  }

  let stopAt = performance.now() + settings.warmupMs
  const loop = async (): Promise<void> => {
    while (performance.now() < stopAt) await one()
  }
  await Promise.all(Array.from({ length: settings.inFlight }, loop))

  measuring = true
  const cpuBefore = process.cpuUsage()
  const startedAt = performance.now()
  stopAt = startedAt + settings.durationMs
  await Promise.all(Array.from({ length: settings.inFlight }, loop))
  const elapsedMs = performance.now() - startedAt
  const cpu = process.cpuUsage(cpuBefore)
  await client.close()

  latencies.sort((a, b) => a - b)
  const at = (q: number): number =>
    round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0)
  return {
    requests: latencies.length,
    issues,
    statuses,
    errors,
    elapsedMs: round(elapsedMs),
    latenciesMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round(latencies.at(-1) ?? 0) },
    cpuMs: round((cpu.user + cpu.system) / 1000),
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100
}

process.once('message', (settings: LoadSettings) => {
  run(settings).then(
    (report) => process.send?.(report, () => process.exit(0)),
    (err: unknown) => {
      console.error(err)
      process.exit(1)
    },
  )
})
