import type { ScenarioResult } from '../report/scenario-result.js'
import { ONCHAIN_DELAY_MS, STATUS_LATENCY_MS, type BenchContext } from '../support/bench-context.js'
import { BENCH_PARTNER_ID, BENCH_PROGRAM } from '../support/bench-events.js'
import { runWorker } from '../support/bench-worker.js'
import type { NaiveReport, NaiveSettings } from '../workers/naive-worker.js'

/** Sandbox issue latency of the naive runs: the same as relay50's. */
const ISSUE_LATENCY_MS = 50
/** Start-up (group join) and the reporting margin on top of the window. */
const START_MARGIN_MS = 60_000

/**
 * B1 (concurrency 1) and B2 (concurrency = partitions): the seed's eachMessage loop against the
 * sandbox at 50 ms / 20 ms / ONCHAIN after 1 s, for a fixed window, on the same backlog.
 */
export async function runNaive(ctx: BenchContext, concurrency: number): Promise<ScenarioResult> {
  const id = concurrency === 1 ? 'naive1' : 'naive12'
  const prefix = `${ctx.runPrefix}-${id}`
  await ctx.sandbox.reset()
  await ctx.sandbox.setLatency({ issueMs: ISSUE_LATENCY_MS, statusMs: STATUS_LATENCY_MS })
  await ctx.sandbox.setOnchainDelay(ONCHAIN_DELAY_MS)
  const topics = { issued: `${prefix}.issued`, onchain: `${prefix}.onchain` }
  await ctx.kafka.createTopic(topics.issued, ctx.input.partitions)
  await ctx.kafka.createTopic(topics.onchain, ctx.input.partitions)
  ctx.kafka.trackGroup(prefix)
  const { report } = runWorker<NaiveSettings, NaiveReport>({
    worker: 'naive-worker.js',
    name: id,
    workDir: ctx.workDir,
    timeoutMs: ctx.options.naiveWindowMs + START_MARGIN_MS,
    settings: {
      brokers: ctx.kafka.brokers,
      groupId: prefix,
      inputTopic: ctx.input.topic,
      issuedTopic: topics.issued,
      onchainTopic: topics.onchain,
      sandboxUrl: ctx.sandbox.url,
      privateKeyPem: ctx.key.privateKeyPem,
      kid: ctx.key.kid,
      partnerId: BENCH_PARTNER_ID,
      program: BENCH_PROGRAM,
      partitionsConsumedConcurrently: concurrency,
      windowMs: ctx.options.naiveWindowMs,
    },
  })
  const result = await report
  const seconds = result.windowMs / 1000
  return {
    id,
    title:
      concurrency === 1
        ? 'B1 naive eachMessage, sequential (partitionsConsumedConcurrently 1)'
        : `B2 naive eachMessage, partitionsConsumedConcurrently ${concurrency}`,
    events: result.completed,
    seconds,
    eventsPerSecond: result.completed / seconds,
    cpuUsPerEvent: result.completed === 0 ? null : (result.cpuMs * 1000) / result.completed,
    latencyMs: {
      p50: result.handlerP50Ms,
      p99: result.handlerP99Ms,
      max: result.handlerP99Ms,
      samples: result.completed,
    },
    peakRssBytes: result.maxRssBytes,
    definition: `events fully handled within a fixed ${seconds} s window from the first message`,
    notes: [
      `fixed window (too slow to drain ${ctx.input.events} events); sign per call, fetch, poll 1 s doubling, two awaited sends`,
      `latency: handler time (issue → last send; the backlog wait before it is not counted); ${result.statusCallsPerEvent.toFixed(2)} status calls per event`,
    ],
    detail: {
      statusCallsPerEvent: result.statusCallsPerEvent,
      errors: result.errors,
    },
    checks: [
      { name: 'no failed calls', ok: result.errors === 0, detail: `${result.errors} errors` },
    ],
  }
}
