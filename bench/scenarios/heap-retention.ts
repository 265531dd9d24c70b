import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { diffHeapSnapshots, type HeapGrowthRow } from '../report/heap-snapshot-diff.js'
import type { ScenarioResult } from '../report/scenario-result.js'
import { ONCHAIN_DELAY_MS, STATUS_LATENCY_MS, type BenchContext } from '../support/bench-context.js'
import { produceEvents } from '../support/bench-events.js'
import { sumMetric } from '../support/prometheus-text.js'
import type { RelayProcess } from '../support/relay-process.js'
import { prepareScenarioRelay, startHeapProbedRelay } from '../support/scenario-relay.js'
import { GiveUpWaiting, sleep, waitUntil } from '../support/wait-until.js'

/** Events per round; the first warms the relay, the second is measured. */
const ROUND_EVENTS = 3_000
/** Few users, all met in the first round: their partner JWTs are cached by then. */
const USERS = 300
const CONNECTIONS = 64
const READY_TIMEOUT_MS = 60_000
const ROUND_TIMEOUT_MS = 120_000
/**
 * After a round, before the heap is read: longer than moca.keepAliveTimeout (4 s), so both
 * snapshots see the pool without idle connections, whatever the round left open.
 */
const SETTLE_MS = 6_000
/**
 * Promises, closures, contexts, suspended async functions and promise reactions are what
 * in-flight work is made of. Idle, a relay holds none per event it has processed; their sum
 * near one per event is work that never let go of what it held.
 */
export const MAX_ASYNC_OBJECTS_PER_EVENT = 0.05

/**
 * Heap groups made by async code (heap-snapshot-diff's names). A suspended async function is a
 * `Generator` in a snapshot (src/ has no generators of its own).
 */
export function isAsyncMachinery(name: string): boolean {
  return (
    name === 'Promise' ||
    name === 'Generator' ||
    name === 'system / Context' ||
    name.startsWith('closure ') ||
    name.endsWith('PromiseReaction')
  )
}

/** What a relay that is idle again keeps of each event it processed, from the snapshot diff. */
export function asyncObjectsPerEvent(rows: readonly HeapGrowthRow[]): number {
  return rows
    .filter((row) => isAsyncMachinery(row.name))
    .reduce((sum, row) => sum + row.countPerInFlight, 0)
}

/**
 * What a relay keeps of the events it has processed, once it is idle again: two rounds of
 * ROUND_EVENTS through a fresh relay (sandbox at relay50's latencies), a heap snapshot after a
 * full GC when each round is onchain and settled, and their diff per event of the second round.
 * The ledgers keep every issuance for ledger.retention (strings and objects, by design); nothing
 * made by async code should stay. The snapshots (≈ 40 MB each) are deleted after the diff unless
 * --heap-snapshot asks to keep them. Catches leaks like the one d966b45 fixed, where every decoded
 * event stayed reachable from a promise that lives as long as its partition.
 */
export async function runHeapRetention(ctx: BenchContext): Promise<ScenarioResult> {
  await ctx.sandbox.reset()
  await ctx.sandbox.setLatency({ issueMs: 50, statusMs: STATUS_LATENCY_MS })
  await ctx.sandbox.setOnchainDelay(ONCHAIN_DELAY_MS)
  // A pool that reaches its size in the first round: a larger one keeps however many idle
  // connections the second round happened to need, and their objects would count as kept.
  const { prefix, inputTopic, rawConfig } = await prepareScenarioRelay(ctx, 'retention', {
    moca: { connections: CONNECTIONS },
  })
  const relay = await startHeapProbedRelay(ctx, 'retention', rawConfig)
  try {
    await relay.waitReady(READY_TIMEOUT_MS)
    const producer = await ctx.kafka.producer()
    const snapshots = [
      join(ctx.workDir, 'retention-1.heapsnapshot'),
      join(ctx.workDir, 'retention-2.heapsnapshot'),
    ] as const
    const heaps: NodeJS.MemoryUsage[] = []
    for (const [round, snapshot] of snapshots.entries()) {
      await produceEvents({
        producer,
        topic: inputTopic,
        from: round * ROUND_EVENTS,
        to: (round + 1) * ROUND_EVENTS,
        users: USERS,
        userPrefix: `${prefix}-user`,
      })
      await untilOnchain(relay, (round + 1) * ROUND_EVENTS)
      await sleep(SETTLE_MS)
      heaps.push(await relay.heapAfterGc(snapshot))
    }
    await relay.stop(10_000)
    const rows = await diffHeapSnapshots({
      lowFile: snapshots[0],
      highFile: snapshots[1],
      deltaInFlight: ROUND_EVENTS,
      top: Number.POSITIVE_INFINITY,
    })
    if (!ctx.options.heapSnapshots) {
      await Promise.all(snapshots.map((file) => rm(file, { force: true })))
    }
    const asyncPerEvent = asyncObjectsPerEvent(rows)
    const asyncGroups = Object.fromEntries(
      rows
        .filter((row) => isAsyncMachinery(row.name) && row.countPerInFlight !== 0)
        .map((row) => [`asyncPerEvent ${row.name}`, row.countPerInFlight]),
    )
    const heapPerEvent = ((heaps[1]?.heapUsed ?? 0) - (heaps[0]?.heapUsed ?? 0)) / ROUND_EVENTS
    const largest = rows
      .slice(0, 5)
      .map((row) => `${row.name} ${row.bytesPerInFlight.toFixed(0)} B`)
      .join(', ')
    return {
      id: 'retention',
      title: `what an idle relay keeps per processed event (${ROUND_EVENTS} events after ${ROUND_EVENTS} warm-up)`,
      events: ROUND_EVENTS,
      seconds: 0,
      eventsPerSecond: null,
      cpuUsPerEvent: null,
      latencyMs: null,
      peakRssBytes: null,
      definition:
        'Δ(heap after full GC) between two idle points, over the events processed between them',
      notes: [
        `heap ${(heapPerEvent / 1024).toFixed(2)} KiB per event (the ledgers keep every issuance for ledger.retention); objects made by async code ${asyncPerEvent.toFixed(3)} per event`,
        `largest growth per event (self size): ${largest}`,
      ],
      detail: {
        heapPerEventBytes: heapPerEvent,
        asyncObjectsPerEvent: asyncPerEvent,
        ...asyncGroups,
      },
      checks: [
        {
          name: 'an idle relay keeps no async work of the events it processed',
          ok: asyncPerEvent <= MAX_ASYNC_OBJECTS_PER_EVENT,
          detail: `${asyncPerEvent.toFixed(3)} promises, closures, contexts, suspended async functions and reactions per event in all (at most ${MAX_ASYNC_OBJECTS_PER_EVENT})`,
        },
      ],
    }
  } finally {
    await relay.stop(10_000)
  }
}

/** Until `count` events are onchain; gives up at once when the relay exits or fails events. */
async function untilOnchain(relay: RelayProcess, count: number): Promise<void> {
  await waitUntil(
    async () => {
      if (!relay.process.alive)
        throw new GiveUpWaiting(`the relay exited; see ${relay.process.logFile}`)
      const metrics = await relay.metrics()
      const outcome = (stage: string, name: string): number =>
        sumMetric(metrics, 'moca_relay_outcomes_total', { stage, outcome: name })
      const onchain = outcome('confirm', 'onchain')
      const failed = outcome('issue', 'failed') + outcome('confirm', 'failed')
      if (failed > 0 && onchain + failed >= count) {
        throw new GiveUpWaiting(
          `${onchain} events onchain and ${failed} failed of ${count}; see ${relay.process.logFile}`,
        )
      }
      return onchain >= count ? true : undefined
    },
    { what: `${count} events onchain`, timeoutMs: ROUND_TIMEOUT_MS, intervalMs: 250 },
  )
}
