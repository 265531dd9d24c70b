import type { ScenarioResult } from '../report/scenario-result.js'
import type { BenchContext } from '../support/bench-context.js'
import { readProcUsage } from '../support/proc-usage.js'
import { startRelayProcess } from '../support/relay-process.js'
import { sleep, waitUntil } from '../support/wait-until.js'
import type { CompletedRelayRun } from './relay-throughput.js'

const READY_TIMEOUT_MS = 120_000
const STOP_GRACE_MS = 60_000
/** After the offsets reached the end: time for a stray call or output to show up in the checks. */
const SETTLE_MS = 1_500

/**
 * The dedupe path: the relay of a completed run, stopped, its issue group rewound to offset 0
 * (admin resetOffsets) and started again. Every record is already in its ledger, so it must skip
 * them all: no HTTP call, no output, only offset commits. Timed until its committed offsets
 * reach the end of every input partition.
 */
export async function runReplay(
  ctx: BenchContext,
  completed: CompletedRelayRun,
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
    name: 'replay',
    rawConfig: completed.rawConfig,
    privateKeyPem: ctx.key.privateKeyPem,
    workDir: ctx.workDir,
    ...(ctx.options.cpuProfile ? { cpuProfileDir: ctx.workDir } : {}),
  })
  try {
    const readyAt = await relay.waitReady(READY_TIMEOUT_MS)
    const atReady = readProcUsage(relay.process.pid)
    const endAt = await waitUntil(
      async () => {
        const [committed] = await admin.fetchOffsets({
          groupId: completed.prefix,
          topics: [ctx.input.topic],
        })
        const done = inputEnd.every((end) => {
          const at = committed?.partitions.find((p) => p.partition === end.partition)
          return at !== undefined && Number(at.offset) >= Number(end.high)
        })
        return done ? Date.now() : undefined
      },
      {
        what: 'the replay to commit every input offset',
        timeoutMs: Math.max(120_000, n * 5),
        intervalMs: 20,
      },
    )
    const atEnd = readProcUsage(relay.process.pid)
    await sleep(SETTLE_MS)
    const statsAfter = await ctx.sandbox.stats()
    const outputsAfter = await highWatermarks(ctx, outputTopics)
    await relay.stop(STOP_GRACE_MS)

    const seconds = (endAt - readyAt) / 1000
    const issueCalls = statsAfter.issue.received - statsBefore.issue.received
    const statusCalls = statsAfter.status.received - statsBefore.status.received
    const newOutputs = outputsAfter - outputsBefore
    const cpuMs = atReady && atEnd ? atEnd.cpuMs - atReady.cpuMs : null
    return {
      id: 'replay',
      title: 'replay of an already-issued topic (relay50 group rewound to 0: the dedupe path)',
      events: n,
      seconds,
      eventsPerSecond: n / seconds,
      cpuUsPerEvent: cpuMs === null ? null : (cpuMs * 1000) / n,
      latencyMs: null,
      peakRssBytes: atEnd?.peakRssBytes ?? null,
      definition:
        'relay ready (ledgers restored) → committed offsets of the issue group at the end of every input partition',
      notes: [
        `start-up incl. ledger restore ${((readyAt - spawnedAt) / 1000).toFixed(1)} s; with it: ${(n / ((endAt - spawnedAt) / 1000)).toFixed(0)} events/s`,
      ],
      detail: {
        startupInclRestoreMs: readyAt - spawnedAt,
        relayCpuPctOfOneCore: cpuMs === null ? null : (cpuMs / (endAt - readyAt)) * 100,
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
