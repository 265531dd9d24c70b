import type { ScenarioResult } from '../report/scenario-result.js'
import type { BenchContext } from '../support/bench-context.js'
import { runWorker } from '../support/bench-worker.js'
import { median } from '../support/percentiles.js'
import type { PassthroughReport, PassthroughSettings } from '../workers/passthrough-worker.js'

/** A passthrough of N records is a few seconds even on a loaded box; past this it is stuck. */
const RUN_TIMEOUT_MS = 120_000

/**
 * B0: raw kafkajs consume → batched produce of the same backlog, in its own process, repeated and
 * reported as the median run. kafkajs's ceiling on this box: what the replay is compared with.
 */
export async function runPassthrough(ctx: BenchContext): Promise<ScenarioResult> {
  const reports: PassthroughReport[] = []
  for (let run = 1; run <= ctx.options.b0Runs; run++) {
    const prefix = `${ctx.runPrefix}-b0-${run}`
    const outputTopic = `${prefix}.out`
    await ctx.kafka.createTopic(outputTopic, ctx.input.partitions)
    ctx.kafka.trackGroup(prefix)
    const { report } = runWorker<PassthroughSettings, PassthroughReport>({
      worker: 'passthrough-worker.js',
      name: `b0-${run}`,
      workDir: ctx.workDir,
      timeoutMs: RUN_TIMEOUT_MS,
      settings: {
        brokers: ctx.kafka.brokers,
        groupId: prefix,
        inputTopic: ctx.input.topic,
        outputTopic,
        events: ctx.input.events,
        // every partition's batch produced concurrently: the most kafkajs gets out of one process
        partitionsConsumedConcurrently: ctx.input.partitions,
      },
    })
    const result = await report
    reports.push(result)
    ctx.log(
      `  b0 run ${run}: ${result.events} records in ${(result.elapsedMs / 1000).toFixed(2)} s = ${rate(result).toFixed(0)}/s`,
    )
    await ctx.kafka.deleteTopics(outputTopic)
  }
  const rates = reports.map(rate)
  const middle = reports[rates.indexOf(median(rates))] ?? reports[0]
  if (middle === undefined) throw new Error('no passthrough run')
  return {
    id: 'b0',
    title: 'B0 raw kafkajs passthrough (consume → batched produce)',
    events: middle.events,
    seconds: middle.elapsedMs / 1000,
    eventsPerSecond: rate(middle),
    cpuUsPerEvent: (middle.cpuMs * 1000) / middle.events,
    latencyMs: null,
    peakRssBytes: middle.maxRssBytes,
    definition: 'first fetched batch → last acknowledged send (acks=-1), median of the runs',
    notes: [
      `median of ${reports.length} run(s); partitionsConsumedConcurrently ${ctx.input.partitions}, one send per fetched batch, no transactions`,
    ],
    detail: {},
    checks: [
      {
        name: 'all records passed through',
        ok: middle.events >= ctx.input.events,
        detail: `${middle.events}/${ctx.input.events}`,
      },
    ],
    runs: rates,
  }
}

function rate(report: PassthroughReport): number {
  return report.events / (report.elapsedMs / 1000)
}
