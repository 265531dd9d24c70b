/**
 * `npm run bench`: the relay against the sandbox and its baselines, all in one run on the same
 * backlog, written to results/<timestamp>/ (report.json, report.md, chart.png) and summarised on
 * stdout. `npm run bench -- --help` lists the options.
 */
// First: the relay's kafkajs changes, before anything loads kafkajs.
import '../src/kafka/kafkajs-patches.js'
import { randomBytes } from 'node:crypto'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generatePartnerKey } from '../src/auth/generate-partner-key.js'
import { createJwksDocument } from '../src/auth/jwks-document.js'
import { currentLoad, describeEnvironment } from './report/bench-environment.js'
import { renderChartSvg } from './report/chart-svg.js'
import {
  renderCpuProfileMarkdown,
  summarizeCpuProfile,
  type CpuProfileSummary,
} from './report/cpu-profile-summary.js'
import { renderHeapGrowthMarkdown } from './report/heap-snapshot-diff.js'
import { renderMarkdownReport } from './report/markdown-report.js'
import { renderPng } from './report/render-png.js'
import type { ScenarioResult } from './report/scenario-result.js'
import { computeRatios, evaluateTargets } from './report/targets.js'
import { renderTerminalSummary } from './report/terminal-summary.js'
import { runHeapRetention } from './scenarios/heap-retention.js'
import { runLedgerRestore } from './scenarios/ledger-restore.js'
import { runMemoryPerInFlight } from './scenarios/memory-per-in-flight.js'
import { runNaive } from './scenarios/naive.js'
import { runPassthrough } from './scenarios/passthrough.js'
import {
  runRelayRepeated,
  warmUpBroker,
  type CompletedRelayRun,
} from './scenarios/relay-throughput.js'
import { runRelayPoison } from './scenarios/relay-poison.js'
import { runReplayRepeated } from './scenarios/replay.js'
import type { BenchContext } from './support/bench-context.js'
import { produceEvents } from './support/bench-events.js'
import { cliIsBuilt, createCleanup, log, readOptions, runTool } from './support/bench-cli.js'
import { parseBenchOptions, USAGE, type ScenarioId } from './support/bench-options.js'
import { openKafkaEnvironment, type KafkaEnvironment } from './support/kafka-environment.js'
import { findListeningPid } from './support/proc-usage.js'
import { startSandboxProcess, type SandboxProcess } from './support/sandbox-process.js'
import { startStaticJsonServer } from './static-json-server.js'

const CLI_PATH = fileURLToPath(new URL('../src/cli/main.js', import.meta.url))
/** Scenarios whose rate depends on the broker's speed; naive and memory wait on the sandbox. */
const WARM_BROKER_SCENARIOS: ReadonlySet<ScenarioId> = new Set([
  'b0',
  'relay50',
  'replay',
  'relay0',
  'relay50-poison',
])
async function main(argv: readonly string[]): Promise<number> {
  const options = readOptions('bench', USAGE, () => parseBenchOptions(argv))
  if (typeof options === 'number') return options
  if (!cliIsBuilt('bench', CLI_PATH)) return 2

  const workDir = resolve(options.resultsDir, new Date().toISOString().replace(/[:.]/g, '-'))
  await mkdir(workDir, { recursive: true })
  const runPrefix = `bench-${randomBytes(3).toString('hex')}`
  const cleanup = createCleanup("stopping children and deleting this run's topics")
  try {
    log(`bench ${runPrefix}: ${options.scenarios.join(', ')} → ${workDir}`)
    const key = await generatePartnerKey({ alg: 'ES256' })
    const jwks = await startStaticJsonServer(createJwksDocument([key.publicJwk]))
    cleanup.push(() => jwks.close())
    const kafka: KafkaEnvironment = await openKafkaEnvironment({ runPrefix, report: log })
    cleanup.push(() => kafka.close())
    const sandbox: SandboxProcess = await startSandboxProcess({
      cliPath: CLI_PATH,
      jwksUrl: jwks.url,
      workDir,
      ...(options.cpuProfile ? { cpuProfileDir: workDir } : {}),
    })
    cleanup.push(() => sandbox.stop())
    const environment = describeEnvironment({
      argv,
      kafka: `${kafka.brokers.join(',')} (${kafka.origin})`,
      events: options.events,
      partitions: options.partitions,
      users: options.users,
    })

    const inputTopic = `${runPrefix}.input`
    await kafka.createTopic(inputTopic, options.partitions)
    const loadStarted = Date.now()
    await produceEvents({
      producer: await kafka.producer(),
      topic: inputTopic,
      from: 0,
      to: options.events,
      users: options.users,
      userPrefix: `${runPrefix}-user`,
    })
    log(
      `backlog: ${options.events} events on ${inputTopic} (${options.partitions} partitions) in ${Date.now() - loadStarted} ms`,
    )

    const ctx: BenchContext = {
      options,
      kafka,
      sandbox,
      key: { privateKeyPem: key.privateKeyPem, kid: key.kid },
      cliPath: CLI_PATH,
      workDir,
      runPrefix,
      input: { topic: inputTopic, events: options.events, partitions: options.partitions },
      brokerPid: findListeningPid(Number(kafka.brokers[0]?.split(':')[1])),
      log,
    }
    if (options.warmupRuns > 0 && options.scenarios.some((id) => WARM_BROKER_SCENARIOS.has(id))) {
      log(`warm-up: ${options.warmupRuns} relay50 run(s), not reported…`)
      environment.warmupRuns = await warmUpBroker(ctx, options.warmupRuns)
    }
    const results: ScenarioResult[] = []
    const failures: { id: string; error: string }[] = []
    let relay50: CompletedRelayRun | null = null
    const runners: Record<ScenarioId, () => Promise<ScenarioResult>> = {
      b0: () => runPassthrough(ctx),
      naive1: () => runNaive(ctx, 1),
      naive12: () => runNaive(ctx, options.partitions),
      relay50: async () => {
        const { result, run } = await runRelayRepeated(
          ctx,
          { id: 'relay50', issueLatencyMs: 50 },
          options.relayRuns,
        )
        relay50 = run
        return result
      },
      replay: () => {
        if (relay50 === null) throw new Error('replay needs a completed relay50 run')
        return runReplayRepeated(ctx, relay50, options.relayRuns)
      },
      relay0: async () =>
        (await runRelayRepeated(ctx, { id: 'relay0', issueLatencyMs: 0 }, options.relayRuns))
          .result,
      'relay50-poison': () => runRelayPoison(ctx),
      memory: () => runMemoryPerInFlight(ctx),
      restore: () => runLedgerRestore(ctx),
      retention: () => runHeapRetention(ctx),
    }
    for (const id of options.scenarios) {
      log(`${id}…`)
      const started = Date.now()
      try {
        const result = await runners[id]()
        results.push(result)
        log(`${id}: ${describe(result)} (${((Date.now() - started) / 1000).toFixed(0)} s)`)
      } catch (err) {
        failures.push({ id, error: (err as Error).message })
        log(`${id} failed: ${(err as Error).stack ?? String(err)}`)
      }
      // relay50's topics stay for the replay; everything else goes as soon as it is done
      if (id !== 'relay50') await deleteScenarioTopics(kafka, `${runPrefix}-${id}`, log)
      if (id === 'replay') await deleteScenarioTopics(kafka, `${runPrefix}-relay50`, log)
    }
    environment.loadAfter = currentLoad()

    const ratios = computeRatios(results)
    const targets = evaluateTargets(results)
    const svg = renderChartSvg(
      results,
      `moca-relay bench ${environment.startedAt} · ${options.events} events · ${options.partitions} partitions`,
    )
    let chartFile: string | null = null
    if (svg !== null) {
      await writeFile(resolve(workDir, 'chart.svg'), svg)
      await writeFile(resolve(workDir, 'chart.png'), renderPng(svg))
      chartFile = 'chart.png'
    }
    // The sandbox writes its profile when it exits: stop it first (the cleanup's stop then is a no-op).
    if (options.cpuProfile) await sandbox.stop()
    const profiles = options.cpuProfile ? await summarizeProfiles(workDir) : []
    await writeFile(
      resolve(workDir, 'report.json'),
      `${JSON.stringify({ environment, options, results, failures, ratios, targets, profiles }, null, 2)}\n`,
    )
    const markdown = renderMarkdownReport({ environment, results, ratios, targets, chartFile })
    const profileMarkdown = profiles.map((p) => renderCpuProfileMarkdown(basename(p.file), p))
    const memory = results.find((r) => r.id === 'memory')
    const heapMarkdown = memory?.heapGrowth
      ? renderHeapGrowthMarkdown(
          memory.heapGrowth,
          Number(memory.detail.lowInFlight),
          Number(memory.detail.highInFlight),
        )
      : null
    await writeFile(
      resolve(workDir, 'report.md'),
      [
        markdown,
        ...(profileMarkdown.length === 0 ? [] : ['## CPU profiles', '', ...profileMarkdown]),
        ...(heapMarkdown === null ? [] : ['## Memory', '', heapMarkdown]),
      ].join('\n'),
    )
    process.stdout.write(renderTerminalSummary({ results, failures, ratios, targets, workDir }))
    const checksOk = results.every((r) => r.checks.every((c) => c.ok))
    return failures.length === 0 && checksOk ? 0 : 1
  } finally {
    await cleanup.run()
  }
}

/** The relay children's and the sandbox's profiles (`--cpu-prof`), written when each exited. */
async function summarizeProfiles(workDir: string): Promise<CpuProfileSummary[]> {
  const files = (await readdir(workDir)).filter((f) => f.endsWith('.cpuprofile')).sort()
  return Promise.all(files.map((f) => summarizeCpuProfile(resolve(workDir, f))))
}

/** A scenario's topics are `<prefix>.…` and `<prefix>-…`; never a longer id's (naive1 vs naive12). */
async function deleteScenarioTopics(
  kafka: KafkaEnvironment,
  prefix: string,
  log: (line: string) => void,
): Promise<void> {
  for (const start of [`${prefix}.`, `${prefix}-`]) {
    await kafka
      .deleteTopics(start)
      .catch((err: unknown) => log(`could not delete topics ${start}*: ${(err as Error).message}`))
  }
}

function describe(result: ScenarioResult): string {
  const rate =
    result.eventsPerSecond === null
      ? ''
      : `${result.eventsPerSecond.toFixed(result.eventsPerSecond >= 100 ? 0 : 2)} events/s`
  const cpu =
    result.cpuUsPerEvent === null ? '' : `, ${result.cpuUsPerEvent.toFixed(0)} CPU-µs/event`
  return `${rate}${cpu}${result.notes[0] && result.eventsPerSecond === null ? result.notes[0] : ''}`
}

runTool('bench', main)
