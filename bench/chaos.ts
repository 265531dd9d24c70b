/**
 * `npm run chaos`: kill -9 of the relay at random moments, a consumer group losing a member, a
 * broker restart and MocaChain faults; after each trial the judge checks that every input is
 * accounted for, MocaChain applied at most one revoke per idempotency key, no output is
 * duplicated under read_committed and per-key order held. Prints a table, writes report.json and
 * report.md to results/chaos-<timestamp>/, exits 1 when any trial failed. See docs/chaos.md.
 */
// First: the relay's kafkajs read_committed fix, before anything loads kafkajs.
import '../src/kafka/kafkajs-read-committed-fix.js'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseChaosOptions, CHAOS_USAGE } from './chaos/chaos-options.js'
import { openChaosContext, runChaos } from './chaos/chaos-run.js'
import { renderFailureDetails, renderMarkdownTable, renderTextTable } from './chaos/chaos-table.js'
import { UsageError } from './support/bench-options.js'
import { killAllChildren, stopAllChildren } from './support/child-processes.js'
import { openKafkaEnvironment } from './support/kafka-environment.js'

const CLI_PATH = fileURLToPath(new URL('../src/cli/main.js', import.meta.url))
/** After Ctrl-C, cleanup (children, topics) gets this long before the run exits anyway. */
const INTERRUPT_CLEANUP_MS = 20_000

const log = (line: string): void => {
  process.stderr.write(`${line}\n`)
}

async function main(argv: readonly string[]): Promise<number> {
  let options
  try {
    options = parseChaosOptions(argv)
  } catch (err) {
    if (
      err instanceof UsageError ||
      (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      process.stderr.write(`chaos: ${(err as Error).message}\n\n${CHAOS_USAGE}\n`)
      return 2
    }
    throw err
  }
  if (options === 'help') {
    process.stdout.write(`${CHAOS_USAGE}\n`)
    return 0
  }
  if (!existsSync(CLI_PATH)) {
    process.stderr.write(`chaos: ${CLI_PATH} is missing; run \`npm run build\` first.\n`)
    return 2
  }
  const startedAt = new Date()
  const workDir = resolve(
    options.resultsDir,
    `chaos-${startedAt.toISOString().replace(/[:.]/g, '-')}`,
  )
  await mkdir(workDir, { recursive: true })
  const runPrefix = `chaos-${randomBytes(3).toString('hex')}`
  const cleanups: (() => Promise<unknown>)[] = []
  const cleanup = async (): Promise<void> => {
    await stopAllChildren(5_000)
    for (const step of cleanups.reverse())
      await step().catch((err: unknown) => log(`cleanup: ${(err as Error).message}`))
    cleanups.length = 0
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`\n${signal}: stopping the relays and deleting this run's topics…`)
    setTimeout(() => {
      killAllChildren()
      process.exit(130)
    }, INTERRUPT_CLEANUP_MS).unref()
    void cleanup().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  process.once('exit', killAllChildren)

  try {
    log(`chaos ${runPrefix}: ${options.scenarios.join(', ')}, seed ${options.seed} → ${workDir}`)
    const kafka = await openKafkaEnvironment({ runPrefix, report: log })
    cleanups.push(() => kafka.close())
    const { ctx, close } = await openChaosContext({ cliPath: CLI_PATH, workDir, runPrefix, log })
    cleanups.push(close)
    const results = await runChaos(ctx, kafka, options)

    const table = renderTextTable(results)
    const details = renderFailureDetails(results)
    const command = `npm run chaos${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`
    await writeFile(
      resolve(workDir, 'report.json'),
      `${JSON.stringify({ startedAt: startedAt.toISOString(), command, kafka: `${kafka.brokers.join(',')} (${kafka.origin})`, options, results }, null, 2)}\n`,
    )
    await writeFile(
      resolve(workDir, 'report.md'),
      [
        `# Chaos run ${startedAt.toISOString()}`,
        '',
        `\`${command}\` against Kafka ${kafka.brokers.join(',')} (${kafka.origin}), seed ${options.seed}.`,
        '',
        renderMarkdownTable(results),
        '',
        ...(details === '' ? [] : ['## Failures', '', '```', details.trimEnd(), '```', '']),
      ].join('\n'),
    )
    process.stdout.write(`\n${table}${details === '' ? '' : `\n${details}`}\nreport: ${workDir}\n`)
    return results.every((r) => r.ok) ? 0 : 1
  } finally {
    await cleanup()
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    log(`chaos failed: ${(err as Error).stack ?? String(err)}`)
    killAllChildren()
    process.exitCode = 1
  },
)
