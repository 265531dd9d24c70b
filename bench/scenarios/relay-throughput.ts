import { confirmGroupId } from '../../src/pipeline/relay.js'
import { buildTimeline, summarizeLatency } from '../report/timeline.js'
import { medianByRate, ratesOf, type ScenarioResult } from '../report/scenario-result.js'
import { ONCHAIN_DELAY_MS, STATUS_LATENCY_MS, type BenchContext } from '../support/bench-context.js'
import { startOutputWatcher } from '../support/output-watcher.js'
import { startProbeProducer, type ProbeProducer } from '../support/probe-producer.js'
import { sumMetric } from '../support/prometheus-text.js'
import { benchOutputTopics, benchRelayConfig, type BenchTopics } from '../support/relay-config.js'
import { startRelayProcess } from '../support/relay-process.js'
import { startSandboxCallsSampler } from '../support/sandbox-calls-sampler.js'
import {
  cpuBetween,
  machineBusyPct,
  otherLoadCores,
  takeUsageSnapshot,
} from '../support/usage-snapshot.js'
import { startUsageSampler } from '../support/usage-sampler.js'
import {
  offsetsPerEvent,
  probeStage,
  runMilestones,
  steadyCpuPerEvent,
  steadyRate,
  visibilityLag,
} from './relay-run-figures.js'

/**
 * The scenario `runs` times (each on fresh topics and groups), reported as the median run by
 * events/s, with every run's rate and the other tenants' load in the notes. A run that fails
 * (e.g. a relay that never gets ready) is reported as such and does not stop the others. The
 * topics of the last successful run stay for the replay; every other run's go at once.
 */
export async function runRelayRepeated(
  ctx: BenchContext,
  options: RelayThroughputOptions,
  runs: number,
): Promise<{ result: ScenarioResult; run: CompletedRelayRun }> {
  const done: ScenarioResult[] = []
  const failed: string[] = []
  let kept: CompletedRelayRun | null = null
  const dropTopics = (prefix: string): Promise<void> => dropRunTopics(ctx, prefix)
  for (let run = 1; run <= runs; run++) {
    try {
      const { result, run: completed } = await runRelayThroughput(ctx, { ...options, run })
      ctx.log(
        `  ${options.id} run ${run}: ${(result.eventsPerSecond ?? 0).toFixed(0)} events/s, ${(result.cpuUsPerEvent ?? 0).toFixed(0)} CPU-µs/event (steady ${steadyCpuText(result.detail.steadyCpuUsPerEvent)}), other tenants ${Number(result.detail.otherLoadCores ?? 0).toFixed(2)} cores`,
      )
      done.push(result)
      if (kept !== null) await dropTopics(kept.prefix)
      kept = completed
    } catch (err) {
      failed.push(`run ${run}: ${(err as Error).message}`)
      ctx.log(`  ${options.id} run ${run} failed: ${(err as Error).message}`)
      await dropTopics(`${ctx.runPrefix}-${options.id}-${run}`)
    }
  }
  const middle = medianByRate(done)
  if (middle === undefined || kept === null) {
    throw new Error(`every ${options.id} run failed: ${failed.join('; ')}`)
  }
  if (runs === 1 && failed.length === 0) return { result: middle, run: kept }
  const rates = ratesOf(done)
  const others = done.map((r) => Number(r.detail.otherLoadCores ?? 0).toFixed(2)).join(', ')
  const result: ScenarioResult = {
    ...middle,
    notes: [
      `median of ${done.length} runs (${rates} events/s; other tenants ${others} cores)`,
      ...(failed.length === 0 ? [] : [`${failed.length} run(s) failed: ${failed.join('; ')}`]),
      ...middle.notes,
    ],
    checks: [
      ...middle.checks,
      {
        name: 'every run completed',
        ok: failed.length === 0,
        detail: failed.join('; ') || `${runs} of ${runs}`,
      },
    ],
    runs: done.map((r) => r.eventsPerSecond ?? 0),
  }
  return { result, run: kept }
}

/**
 * `runs` relay50 runs whose figures are not reported: a freshly started broker spends the first
 * two relay runs compiling its transaction paths (its C2 threads' CPU competes with the relay for
 * the second core), so the first measured scenario would otherwise pay for the broker's start-up.
 * Every measured relay run still starts a fresh relay process. Returns each run's events/s.
 */
export async function warmUpBroker(ctx: BenchContext, runs: number): Promise<number[]> {
  const rates: number[] = []
  for (let run = 1; run <= runs; run++) {
    const { result } = await runRelayThroughput(ctx, { id: 'warmup', issueLatencyMs: 50, run })
    rates.push(result.eventsPerSecond ?? 0)
    ctx.log(
      `  warm-up run ${run}: ${(result.eventsPerSecond ?? 0).toFixed(0)} events/s (discarded)`,
    )
    await dropRunTopics(ctx, `${ctx.runPrefix}-warmup-${run}`)
  }
  return rates
}

async function dropRunTopics(ctx: BenchContext, prefix: string): Promise<void> {
  for (const start of [`${prefix}.`, `${prefix}-`]) await ctx.kafka.deleteTopics(start)
}

/** What the replay scenario needs from the run it rewinds. */
export interface CompletedRelayRun {
  readonly prefix: string
  readonly rawConfig: Record<string, unknown>
  readonly topics: BenchTopics
}

export interface RelayThroughputOptions {
  readonly id: string
  readonly issueLatencyMs: number
  /** Repetitions of the same scenario get their own names: `<id>-<run>`. @default 1 */
  readonly run?: number
  /** Another backlog than the shared one, e.g. with poison records mixed in. @default ctx.input */
  readonly backlog?: RelayBacklog
}

export interface RelayBacklog {
  readonly topic: string
  /** Events that must end as credential.onchain. */
  readonly valid: number
  /** Records that must each end as exactly one credential.failed. */
  readonly poison: number
}

/** Start-up (JIT, Kafka connections, group joins) is seconds; a relay not ready in a minute is stuck. */
const READY_TIMEOUT_MS = 60_000
/** Drain, commit and close after SIGTERM take seconds; the relay's own budget is 45 s. */
const STOP_GRACE_MS = 60_000
/** How long to keep reading after the last expected event, to catch duplicates. */
const DUPLICATE_WATCH_MS = 1_500
/** Probe numbers start far above any backlog event number, so ids and contents never collide. */
const PROBE_FIRST_EVENT = 1_000_000_000

/**
 * The relay (`moca-relay run`, its defaults) drains the shared backlog from offset 0 with a fresh
 * group and fresh output and internal topics, against the sandbox at `issueLatencyMs` / 20 ms /
 * ONCHAIN after 1 s, while latency probes run on a topic of their own.
 */
export async function runRelayThroughput(
  ctx: BenchContext,
  options: RelayThroughputOptions,
): Promise<{ result: ScenarioResult; run: CompletedRelayRun }> {
  const backlog = options.backlog ?? { topic: ctx.input.topic, valid: ctx.input.events, poison: 0 }
  const n = backlog.valid
  const name = `${options.id}-${options.run ?? 1}`
  const prefix = `${ctx.runPrefix}-${name}`
  const topics = benchOutputTopics(prefix)
  // Not under `${prefix}.`: the relay refuses to read a topic named like its own outputs.
  const probeTopic = `${prefix}-probe`
  await ctx.sandbox.reset()
  await ctx.sandbox.setLatency({ issueMs: options.issueLatencyMs, statusMs: STATUS_LATENCY_MS })
  await ctx.sandbox.setOnchainDelay(ONCHAIN_DELAY_MS)

  // Output topics exist before the reader subscribes (else the broker would auto-create them
  // with one partition); the relay leaves existing topics as they are.
  for (const topic of [topics.issued, topics.onchain, topics.failed]) {
    await ctx.kafka.createTopic(topic, ctx.input.partitions)
  }
  // One partition: probes need no parallelism, and one more partition worker barely changes the relay.
  await ctx.kafka.createTopic(probeTopic, 1)
  ctx.kafka.trackGroup(prefix)
  ctx.kafka.trackGroup(confirmGroupId(prefix))
  ctx.kafka.trackGroup(`${prefix}-reader`)

  let probes: ProbeProducer | null = null
  const watcher = await startOutputWatcher({
    kafka: ctx.kafka.kafka,
    groupId: `${prefix}-reader`,
    issuedTopic: topics.issued,
    onchainTopic: topics.onchain,
    failedTopic: topics.failed,
    backlogTopic: backlog.topic,
    probeTopic,
    probeSentAt: (eventId) => probes?.sentAt(eventId),
  })
  await watcher.joined

  const rawConfig = benchRelayConfig({
    brokers: ctx.kafka.brokers,
    prefix,
    inputTopics: [backlog.topic, probeTopic],
    partitions: ctx.input.partitions,
    sandboxUrl: ctx.sandbox.url,
    kid: ctx.key.kid,
  })
  const spawnedAt = Date.now()
  const relay = await startRelayProcess({
    cliPath: ctx.cliPath,
    name,
    rawConfig,
    privateKeyPem: ctx.key.privateKeyPem,
    workDir: ctx.workDir,
    ...(ctx.options.cpuProfile ? { cpuProfileDir: ctx.workDir } : {}),
  })
  try {
    const readyAt = await relay.waitReady(READY_TIMEOUT_MS)
    const pids = {
      relay: relay.process.pid,
      sandbox: ctx.sandbox.process.pid,
      broker: ctx.brokerPid,
    }
    const atReady = takeUsageSnapshot(pids)
    // prom-client resets its event-loop delay histogram at every scrape: start it at ready.
    await relay.metrics()
    const sampler = startUsageSampler(relay.process.pid)
    const calls = startSandboxCallsSampler(ctx.sandbox)
    if (ctx.options.probeRate > 0) {
      probes = startProbeProducer({
        producer: await ctx.kafka.producer(),
        topic: probeTopic,
        perSecond: ctx.options.probeRate,
        firstEventNumber: PROBE_FIRST_EVENT,
        userPrefix: `${prefix}-probe`,
      })
    }
    const timeoutMs = Math.max(180_000, n * 10)
    await watcher.waitForBacklog(n + backlog.poison, timeoutMs)
    const atDone = takeUsageSnapshot(pids)
    sampler.stop()
    await calls.stop()
    await probes?.stop()
    const milestones = runMilestones(watcher, readyAt)
    const doneAt = milestones.done
    const probesUnderLoad = watcher.probes.filter((p) => p.at <= doneAt)
    const processed = n + backlog.poison + probesUnderLoad.length
    const metricsText = await relay.metrics()
    const offsets = await offsetsPerEvent(ctx, { prefix, inputTopic: backlog.topic }, processed)
    const stats = await ctx.sandbox.stats()
    await new Promise((resolve) => setTimeout(resolve, DUPLICATE_WATCH_MS))
    const onchainSeen = watcher.backlogOnchain.length
    const failedSeen = watcher.failedCount
    await relay.stop(STOP_GRACE_MS)
    await watcher.stop()

    const seconds = (doneAt - readyAt) / 1000
    const failedSeconds = (milestones.lastFailed - readyAt) / 1000
    const failedPerSecond = backlog.poison === 0 ? null : backlog.poison / failedSeconds
    const relayCpuMs = atDone.relay.cpuMs - atReady.relay.cpuMs
    const cpuPerEvent = (ms: number | null): number | null =>
      ms === null ? null : (ms * 1000) / processed
    const steadyCpu = steadyCpuPerEvent(sampler.samples, {
      issued: watcher.backlogIssued,
      onchain: watcher.backlogOnchain,
      failed: watcher.backlogFailed,
      probes: probesUnderLoad.map((p) => p.at),
    })
    const retries = sumMetric(metricsText, 'moca_relay_retries_total')
    const transactions = sumMetric(metricsText, 'moca_relay_transactions_total')
    const committedRecords = sumMetric(metricsText, 'moca_relay_committed_records_total')
    const result: ScenarioResult = {
      id: options.id,
      title: `relay, sandbox issue ${options.issueLatencyMs} ms / status ${STATUS_LATENCY_MS} ms / ONCHAIN after 1 s${backlog.poison === 0 ? '' : `, ${backlog.poison} poison records mixed in`}`,
      events: n,
      seconds,
      eventsPerSecond: n / seconds,
      cpuUsPerEvent: cpuPerEvent(relayCpuMs),
      latencyMs: summarizeLatency(probesUnderLoad.map((p) => p.latencyMs)),
      peakRssBytes: atDone.relay.peakRssBytes,
      definition:
        'relay ready (/readyz 200: groups joined, ledgers restored) → last backlog credential.onchain visible to a read_committed reader',
      notes: [
        ...(failedPerSecond === null
          ? []
          : [
              `${n} valid events onchain at ${(n / seconds).toFixed(0)}/s; ${backlog.poison} poison records (${((backlog.poison / (n + backlog.poison)) * 100).toFixed(0)}%) failed at ${failedPerSecond.toFixed(0)}/s (ready → last credential.failed visible)`,
            ]),
        `latency: ${probesUnderLoad.length} probes at ${ctx.options.probeRate}/s on their own topic, produce → onchain visible (floor ≈ 1 s: ONCHAIN after 1 s)`,
        `steady state ${steadyRate(watcher.backlogOnchain).toFixed(0)}/s (10th → 90th percentile completion)`,
        `relay at ${((relayCpuMs / (doneAt - readyAt)) * 100).toFixed(0)}% of a core; other tenants of the machine used ${(otherLoadCores(atReady, atDone) ?? 0).toFixed(2)} cores meanwhile`,
        `CPU per event: relay process user+sys over the interval / (${n + backlog.poison} backlog + ${probesUnderLoad.length} probe events)`,
        `steady-state CPU per event: ${steadyCpuText(steadyCpu)} (10th → 90th percentile completion, warm process)`,
      ],
      detail: {
        poisonRecords: backlog.poison,
        failedEventsPerSecond: failedPerSecond,
        steadyEventsPerSecond: steadyRate(watcher.backlogOnchain),
        steadyCpuUsPerEvent: steadyCpu,
        startupMs: readyAt - spawnedAt,
        timeToFirstOnchainMs: milestones.firstOnchain - readyAt,
        timeToFirstIssuedMs: milestones.firstIssued - readyAt,
        lastIssuedAtMs: milestones.lastIssued - readyAt,
        firstOnchainProducedAtMs: milestones.firstOnchainProduced - readyAt,
        visibilityLagP50Ms: visibilityLag(watcher, 0.5),
        visibilityLagP99Ms: visibilityLag(watcher, 0.99),
        relayCpuMs,
        relaySystemCpuShare:
          (atDone.relay.systemCpuMs - atReady.relay.systemCpuMs) / Math.max(1, relayCpuMs),
        eventLoopDelayP50Ms:
          sumMetric(metricsText, 'moca_relay_nodejs_eventloop_lag_p50_seconds') * 1000,
        eventLoopDelayP99Ms:
          sumMetric(metricsText, 'moca_relay_nodejs_eventloop_lag_p99_seconds') * 1000,
        eventLoopDelayMaxMs:
          sumMetric(metricsText, 'moca_relay_nodejs_eventloop_lag_max_seconds') * 1000,
        relayCpuPctOfOneCore: (relayCpuMs / (doneAt - readyAt)) * 100,
        relayCpuInclStartupUsPerEvent: (atDone.relay.cpuMs * 1000) / processed,
        sandboxCpuUsPerEvent: cpuPerEvent(cpuBetween(atReady.sandbox, atDone.sandbox)),
        brokerCpuUsPerEvent: cpuPerEvent(cpuBetween(atReady.broker, atDone.broker)),
        machineBusyPct: machineBusyPct(atReady, atDone),
        otherLoadCores: otherLoadCores(atReady, atDone),
        rssAtEndBytes: atDone.relay.rssBytes,
        heapUsedAtEndBytes: sumMetric(metricsText, 'moca_relay_nodejs_heap_size_used_bytes'),
        sandboxIssueCalls: stats.issue.received,
        sandboxStatusCalls: stats.status.received,
        statusCallsPerEvent: stats.status.received / Math.max(1, stats.issue.received),
        sandboxMaxIssueInFlight: stats.issue.maxInFlight,
        transactions,
        recordsPerTransaction: transactions === 0 ? null : committedRecords / transactions,
        probesSent: probes?.sent ?? 0,
        probeIssueStageP50Ms: probeStage(probesUnderLoad, 'issue', 0.5),
        probeIssueStageP99Ms: probeStage(probesUnderLoad, 'issue', 0.99),
        probeConfirmStageP50Ms: probeStage(probesUnderLoad, 'confirm', 0.5),
        probeConfirmStageP99Ms: probeStage(probesUnderLoad, 'confirm', 0.99),
        ...Object.fromEntries(
          Object.entries(watcher.meanRecordBytes).map(([type, b]) => [
            `meanRecordBytes ${type}`,
            b,
          ]),
        ),
        ...offsets,
      },
      checks: [
        {
          name: 'every backlog event onchain',
          ok: onchainSeen === n,
          detail: `${onchainSeen}/${n} onchain`,
        },
        {
          name:
            backlog.poison === 0
              ? 'no credential.failed'
              : 'one credential.failed per poison record',
          ok: failedSeen === backlog.poison && watcher.backlogFailed.length === backlog.poison,
          detail: JSON.stringify(watcher.failed),
        },
        {
          name: 'one issue call per event, no retries',
          ok:
            stats.issue.received >= n &&
            stats.issue.received <= n + (probes?.sent ?? 0) &&
            retries === 0,
          detail: `${stats.issue.received} issue calls for ${n} backlog + ≤ ${probes?.sent ?? 0} probe events; ${retries} retries`,
        },
      ],
      timeline: buildTimeline({
        from: readyAt,
        to: doneAt,
        completions: watcher.backlogOnchain,
        issued: watcher.backlogIssued,
        probes: watcher.probes,
        cpu: sampler.samples,
        sandboxCalls: calls.samples,
      }),
    }
    return { result, run: { prefix, rawConfig, topics } }
  } finally {
    await relay.stop(STOP_GRACE_MS)
    await watcher.stop().catch(() => undefined)
    await probes?.stop()
  }
}

/** A run's steady-state CPU per event, for its notes and progress line. */
function steadyCpuText(steady: unknown): string {
  return typeof steady === 'number' ? `${steady.toFixed(0)} µs` : '– (window too short)'
}
