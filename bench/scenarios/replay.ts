import { medianByRate, ratesOf, type ScenarioResult } from '../report/scenario-result.js'
import type { BenchContext } from '../support/bench-context.js'
import { readProcUsage } from '../support/proc-usage.js'
import { startRelayProcess } from '../support/relay-process.js'
import { GiveUpWaiting, sleep, waitUntil } from '../support/wait-until.js'
import type { CompletedRelayRun } from './relay-throughput.js'

const READY_TIMEOUT_MS = 120_000
const STOP_GRACE_MS = 60_000
/** The steady part of the replay: between these shares of the backlog committed. */
const STEADY_FROM = 0.1
const STEADY_TO = 0.9

/** Fewer offset samples than this between 10% and 90%: the rate is at the polling's resolution. */
const MIN_SAMPLES = 10

interface ReplayProgress {
  readonly at: number
  /** Input records committed by the relay's issue group so far. */
  readonly committed: number
  readonly cpuMs: number
}

/** After the offsets reached the end: time for a stray call or output to show up in the checks. */
const SETTLE_MS = 1_500

/**
 * The replay `runs` times over the same completed run, reported as the median by events/s with
 * every run's rate in the notes, as relay50 is: one replay lasts a few seconds, and a single one
 * moved between 0.37× and 0.73× of B0 from one bench to the next. Every run must pass every
 * check (zero HTTP calls, zero new outputs…), not the median alone.
 */
export async function runReplayRepeated(
  ctx: BenchContext,
  completed: CompletedRelayRun,
  runs: number,
): Promise<ScenarioResult> {
  const done: ScenarioResult[] = []
  for (let run = 1; run <= runs; run++) {
    const result = await runReplay(ctx, completed, runs === 1 ? 'replay' : `replay-${run}`)
    if (runs > 1) {
      ctx.log(
        `  replay run ${run}: ${(result.eventsPerSecond ?? 0).toFixed(0)} events/s, ${(result.cpuUsPerEvent ?? 0).toFixed(0)} CPU-µs/event`,
      )
    }
    done.push(result)
  }
  const middle = medianByRate(done)!
  if (runs === 1) return middle
  const rates = ratesOf(done)
  return {
    ...middle,
    notes: [`median of ${done.length} replays (${rates} events/s)`, ...middle.notes],
    // calls and outputs of every replay, not the median's alone: each must make none
    detail: {
      ...middle.detail,
      issueCalls: total(done, 'issueCalls'),
      statusCalls: total(done, 'statusCalls'),
      newOutputRecords: total(done, 'newOutputRecords'),
    },
    checks: middle.checks.map((check) => {
      const failedIn = done.flatMap((r, i) =>
        r.checks.some((c) => c.name === check.name && !c.ok) ? [i + 1] : [],
      )
      return failedIn.length === 0
        ? check
        : {
            name: check.name,
            ok: false,
            detail: failedIn
              .map(
                (run) =>
                  `run ${run}: ${done[run - 1]!.checks.find((c) => c.name === check.name)?.detail}`,
              )
              .join('; '),
          }
    }),
    runs: done.map((r) => r.eventsPerSecond ?? 0),
  }
}

function total(results: readonly ScenarioResult[], field: string): number {
  return results.reduce((sum, r) => sum + Number(r.detail[field] ?? 0), 0)
}

/**
 * The dedupe path: the relay of a completed run, stopped, its issue group rewound to offset 0
 * (admin resetOffsets) and started again. Every record is already in its ledger, so it must skip
 * them all: no HTTP call, no output, only offset commits. Timed until its committed offsets
 * reach the end of every input partition.
 */
async function runReplay(
  ctx: BenchContext,
  completed: CompletedRelayRun,
  name: string,
): Promise<ScenarioResult> {
  const { admin } = ctx.kafka
  const n = ctx.input.events
  await admin.resetOffsets({ groupId: completed.prefix, topic: ctx.input.topic, earliest: true })
  const inputEnd = await admin.fetchTopicOffsets(ctx.input.topic)
  const outputTopics = [completed.topics.issued, completed.topics.onchain, completed.topics.failed]
  const outputsBefore = await highWatermarks(ctx, outputTopics)
  const statsBefore = await ctx.sandbox.stats()

  const spawnedAt = Date.now()
  const relay = await startRelayProcess({
    cliPath: ctx.cliPath,
    name,
    rawConfig: completed.rawConfig,
    privateKeyPem: ctx.key.privateKeyPem,
    workDir: ctx.workDir,
    ...(ctx.options.cpuProfile ? { cpuProfileDir: ctx.workDir } : {}),
  })
  try {
    const ready = relay.waitReady(READY_TIMEOUT_MS)
    ready.catch(() => undefined)
    const progress: ReplayProgress[] = []
    const endAt = await waitUntil(
      async () => {
        const [committed] = await admin.fetchOffsets({
          groupId: completed.prefix,
          topics: [ctx.input.topic],
        })
        let sum = 0
        let done = true
        for (const end of inputEnd) {
          const at = committed?.partitions.find((p) => p.partition === end.partition)
          const offset = Math.max(0, Number(at?.offset ?? 0))
          sum += Math.min(offset, Number(end.high))
          if (offset < Number(end.high)) done = false
        }
        const usage = readProcUsage(relay.process.pid)
        progress.push({ at: Date.now(), committed: sum, cpuMs: usage?.cpuMs ?? Number.NaN })
        if (!relay.process.alive)
          throw new GiveUpWaiting(`the relay exited; see ${relay.process.logFile}`)
        return done ? Date.now() : undefined
      },
      {
        what: 'the replay to commit every input offset',
        timeoutMs: Math.max(120_000, n * 5),
        intervalMs: 20,
      },
    )
    const readyAt = await ready
    const atEnd = readProcUsage(relay.process.pid)
    await sleep(SETTLE_MS)
    const statsAfter = await ctx.sandbox.stats()
    const outputsAfter = await highWatermarks(ctx, outputTopics)
    await relay.stop(STOP_GRACE_MS)

    const from = progress.find((p) => p.committed >= n * STEADY_FROM) ?? progress[0]
    const to = progress.find((p) => p.committed >= n * STEADY_TO) ?? progress[progress.length - 1]
    const steady = from && to && to.at > from.at ? { from, to } : null
    const seconds = steady ? (steady.to.at - steady.from.at) / 1000 : (endAt - spawnedAt) / 1000
    const steadyEvents = steady ? steady.to.committed - steady.from.committed : n
    const issueCalls = statsAfter.issue.received - statsBefore.issue.received
    const statusCalls = statsAfter.status.received - statsBefore.status.received
    const newOutputs = outputsAfter - outputsBefore
    const cpuMs = steady ? steady.to.cpuMs - steady.from.cpuMs : null
    const steadySamples = steady
      ? progress.filter((p) => p.at >= steady.from.at && p.at <= steady.to.at).length
      : 0
    return {
      id: 'replay',
      title: 'replay of an already-issued topic (relay50 group rewound to 0: the dedupe path)',
      events: steadyEvents,
      seconds,
      eventsPerSecond: steadyEvents / seconds,
      cpuUsPerEvent: cpuMs === null ? null : (cpuMs * 1000) / steadyEvents,
      latencyMs: null,
      peakRssBytes: atEnd?.peakRssBytes ?? null,
      definition:
        'committed offsets of the issue group going from 10% to 90% of the backlog (the relay polled every 20 ms): the dedupe path without start-up, ledger restore and tail',
      notes: [
        ...(steadySamples < MIN_SAMPLES
          ? [
              `only ${steadySamples} offset samples in the 10–90% window: the rate is imprecise (the replay outran the 20 ms polling)`,
            ]
          : []),
        `from process start to the last commit (start-up and ledger restore of ${((readyAt - spawnedAt) / 1000).toFixed(1)} s included): ${(n / ((endAt - spawnedAt) / 1000)).toFixed(0)} events/s`,
      ],
      detail: {
        startupInclRestoreMs: readyAt - spawnedAt,
        relayCpuPctOfOneCore:
          cpuMs === null || !steady ? null : (cpuMs / (steady.to.at - steady.from.at)) * 100,
        committedBeforeReady: progress.filter((p) => p.at <= readyAt).at(-1)?.committed ?? 0,
        samplesInWindow: steadySamples,
        eventsPerSecondInclStartup: n / ((endAt - spawnedAt) / 1000),
        issueCalls,
        statusCalls,
        newOutputRecords: newOutputs,
      },
      checks: [
        {
          name: 'zero HTTP calls',
          ok: issueCalls === 0 && statusCalls === 0,
          detail: `${issueCalls} issue, ${statusCalls} status calls`,
        },
        {
          name: 'zero new outputs',
          ok: newOutputs === 0,
          detail: `${newOutputs} records added to the output topics`,
        },
      ],
    }
  } finally {
    await relay.stop(STOP_GRACE_MS)
  }
}

/** Sum of high watermarks: transaction markers count too, so any output transaction shows. */
async function highWatermarks(ctx: BenchContext, topics: readonly string[]): Promise<number> {
  let sum = 0
  for (const topic of topics) {
    for (const p of await ctx.kafka.admin.fetchTopicOffsets(topic)) sum += Number(p.high)
  }
  return sum
}
