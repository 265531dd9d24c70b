import type { ScenarioResult } from '../report/scenario-result.js'
import { STATUS_LATENCY_MS, type BenchContext } from '../support/bench-context.js'
import { produceEvents } from '../support/bench-events.js'
import { readProcUsage } from '../support/proc-usage.js'
import { sumMetric } from '../support/prometheus-text.js'
import { prepareScenarioRelay, startHeapProbedRelay } from '../support/scenario-relay.js'
import type { RelayProcess } from '../support/relay-process.js'
import { sleep, waitUntil } from '../support/wait-until.js'
import { diffHeapSnapshots } from '../report/heap-snapshot-diff.js'
import { join } from 'node:path'

const READY_TIMEOUT_MS = 60_000
/** Filling thousands of slots takes seconds (intent transactions first); a minute means stuck. */
const FILL_TIMEOUT_MS = 90_000
/** After the target is reached: JIT, pools and buffers settle before the heap is read. */
const SETTLE_MS = 3_000
/** Heap samples per level; the median is reported. */
const SAMPLES = 3
const KIB = 1024

interface Level {
  readonly inFlight: number
  readonly heapUsed: number
  readonly external: number
  readonly rss: number
}

/**
 * Memory per in-flight issuance: the sandbox's issue latency is raised far beyond the scenario's
 * length, so issuances pile up in flight and none completes. The relay (with a per-partition
 * budget large enough for the high level) reads first `memoryLow` events, then `memoryHigh` in
 * total; at each level the heap is read after a full GC. Δheap / Δin-flight is the cost of one.
 */
export async function runMemoryPerInFlight(ctx: BenchContext): Promise<ScenarioResult> {
  const { memoryLow, memoryHigh, memoryIssueLatencyMs } = ctx.options
  const partitions = ctx.input.partitions
  await ctx.sandbox.reset()
  await ctx.sandbox.setLatency({ issueMs: memoryIssueLatencyMs, statusMs: STATUS_LATENCY_MS })

  // Round-robin partitions and one user per event: no per-key wait, every event a call at once.
  const perPartition = Math.ceil(memoryHigh / partitions)
  const budget = Math.max(perPartition + 64, 256)
  const { prefix, inputTopic, rawConfig } = await prepareScenarioRelay(ctx, 'memory', {
    // the budget must not be what limits the in-flight count, and nothing completes to grow it
    issue: { maxInFlight: budget, initialInFlight: budget },
    // one socket per call, and calls that outlast the sandbox's latency
    moca: {
      connections: memoryHigh + 256,
      requestTimeout: memoryIssueLatencyMs + 60_000,
      uncertaintyWindow: memoryIssueLatencyMs + 60_000,
    },
    // nothing in flight can finish: do not wait for it at the end
    shutdown: { drainTimeout: 1_000 },
  })
  const relay = await startHeapProbedRelay(ctx, 'memory', rawConfig)
  try {
    await relay.waitReady(READY_TIMEOUT_MS)
    await sleep(SETTLE_MS)
    const idle = await measure(ctx, relay, 0)
    const producer = await ctx.kafka.producer()
    const userPrefix = `${prefix}-user`
    await produceEvents({
      producer,
      topic: inputTopic,
      from: 0,
      to: memoryLow,
      users: memoryHigh,
      userPrefix,
      roundRobinPartitions: partitions,
    })
    const snapshots = ctx.options.heapSnapshots
      ? {
          low: join(ctx.workDir, 'memory-low.heapsnapshot'),
          high: join(ctx.workDir, 'memory-high.heapsnapshot'),
        }
      : null
    const low = await fillAndMeasure(ctx, relay, memoryLow, snapshots?.low)
    await produceEvents({
      producer,
      topic: inputTopic,
      from: memoryLow,
      to: memoryHigh,
      users: memoryHigh,
      userPrefix,
      roundRobinPartitions: partitions,
    })
    const high = await fillAndMeasure(ctx, relay, memoryHigh, snapshots?.high)
    const peak = readProcUsage(relay.process.pid)
    await relay.stop(10_000)

    const delta = high.inFlight - low.inFlight
    const growth = snapshots
      ? await diffHeapSnapshots({
          lowFile: snapshots.low,
          highFile: snapshots.high,
          deltaInFlight: delta,
        })
      : null
    const heapPer = (high.heapUsed - low.heapUsed) / delta
    const rssPer = (high.rss - low.rss) / delta
    const externalPer = (high.external - low.external) / delta
    const kib = (bytes: number): string => `${(bytes / KIB).toFixed(2)} KiB`
    return {
      id: 'memory',
      title: `memory per in-flight issuance (${low.inFlight} vs ${high.inFlight} in flight)`,
      events: delta,
      seconds: 0,
      eventsPerSecond: null,
      cpuUsPerEvent: null,
      latencyMs: null,
      peakRssBytes: peak?.peakRssBytes ?? null,
      definition:
        'Δ(heap used after full GC) / Δ(in-flight issue calls at the sandbox), median of 3 samples per level',
      notes: [
        `heap ${kib(heapPer)}, RSS ${kib(rssPer)}, external (Buffers) ${kib(externalPer)} per in-flight issuance`,
        ...(snapshots
          ? ['RSS figures are not comparable here: the first heap snapshot grew the process']
          : []),
        `idle ${mib(idle.heapUsed)} heap / ${mib(idle.rss)} RSS; ${low.inFlight}: ${mib(low.heapUsed)} / ${mib(low.rss)}; ${high.inFlight}: ${mib(high.heapUsed)} / ${mib(high.rss)}`,
      ],
      detail: {
        heapPerInFlightBytes: heapPer,
        rssPerInFlightBytes: rssPer,
        externalPerInFlightBytes: externalPer,
        idleHeapUsedBytes: idle.heapUsed,
        idleRssBytes: idle.rss,
        lowInFlight: low.inFlight,
        lowHeapUsedBytes: low.heapUsed,
        lowRssBytes: low.rss,
        highInFlight: high.inFlight,
        highHeapUsedBytes: high.heapUsed,
        highRssBytes: high.rss,
        sandboxIssueLatencyMs: memoryIssueLatencyMs,
      },
      ...(growth ? { heapGrowth: growth } : {}),
      checks: [
        {
          name: `${memoryLow} in flight`,
          ok: low.inFlight === memoryLow,
          detail: `${low.inFlight} calls open at the sandbox`,
        },
        {
          name: `${memoryHigh} in flight`,
          ok: high.inFlight === memoryHigh,
          detail: `${high.inFlight} calls open at the sandbox`,
        },
      ],
    }
  } finally {
    await relay.stop(10_000)
  }
}

async function fillAndMeasure(
  ctx: BenchContext,
  relay: RelayProcess,
  target: number,
  snapshotPath: string | undefined,
): Promise<Level> {
  await waitUntil(
    async () => ((await ctx.sandbox.stats()).issue.inFlight >= target ? true : undefined),
    {
      what: `${target} issue calls in flight at the sandbox`,
      timeoutMs: FILL_TIMEOUT_MS,
      intervalMs: 250,
    },
  )
  await sleep(SETTLE_MS)
  const level = await measure(ctx, relay, target)
  // after the figures: a snapshot allocates, and writing one takes seconds
  if (snapshotPath) await relay.heapAfterGc(snapshotPath)
  return level
}

async function measure(ctx: BenchContext, relay: RelayProcess, expected: number): Promise<Level> {
  const samples: Level[] = []
  for (let i = 0; i < SAMPLES; i++) {
    const memory = await relay.heapAfterGc()
    const inFlight = (await ctx.sandbox.stats()).issue.inFlight
    samples.push({
      inFlight,
      heapUsed: memory.heapUsed,
      external: memory.external,
      rss: memory.rss,
    })
    await sleep(500)
  }
  const relayGauge = sumMetric(await relay.metrics(), 'moca_relay_in_flight', { stage: 'issue' })
  ctx.log(
    `  memory: ${expected} expected, ${samples[0]?.inFlight} at the sandbox, relay gauge ${relayGauge}`,
  )
  const byHeap = [...samples].sort((a, b) => a.heapUsed - b.heapUsed)
  return byHeap[Math.floor(byHeap.length / 2)] as Level
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}
