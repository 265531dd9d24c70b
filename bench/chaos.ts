/**
 * `npm run chaos`: kill -9 of the relay at random moments, a consumer group losing a member, a
 * broker restart and MocaChain faults; after each trial the judge checks that every input is
 * accounted for, MocaChain applied at most one revoke per idempotency key, no output is
 * duplicated under read_committed and per-key order held. Prints a table, writes report.json and
 * report.md to results/chaos-<timestamp>/, exits 1 when any trial failed. See docs/chaos.md.
 */
// First: the relay's kafkajs changes, before anything loads kafkajs.
import '../src/kafka/kafkajs-patches.js'
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseChaosOptions, CHAOS_USAGE } from './chaos/chaos-options.js'
import { openChaosContext, runChaos } from './chaos/chaos-run.js'
import { renderFailureDetails, renderMarkdownTable, renderTextTable } from './chaos/chaos-table.js'
import { cliIsBuilt, createCleanup, log, readOptions, runTool } from './support/bench-cli.js'
import { openKafkaEnvironment } from './support/kafka-environment.js'

const CLI_PATH = fileURLToPath(new URL('../src/cli/main.js', import.meta.url))

async function main(argv: readonly string[]): Promise<number> {
  const options = readOptions('chaos', CHAOS_USAGE, () => parseChaosOptions(argv))
  if (typeof options === 'number') return options
  if (!cliIsBuilt('chaos', CLI_PATH)) return 2
  const startedAt = new Date()
  const workDir = resolve(
    options.resultsDir,
    `chaos-${startedAt.toISOString().replace(/[:.]/g, '-')}`,
  )
  await mkdir(workDir, { recursive: true })
  const runPrefix = `chaos-${randomBytes(3).toString('hex')}`
  const cleanup = createCleanup("stopping the relays and deleting this run's topics")
  try {
    log(`chaos ${runPrefix}: ${options.scenarios.join(', ')}, seed ${options.seed} → ${workDir}`)
    const kafka = await openKafkaEnvironment({ runPrefix, report: log })
    cleanup.push(() => kafka.close())
    const { ctx, close } = await openChaosContext({ cliPath: CLI_PATH, workDir, runPrefix, log })
    cleanup.push(close)
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
    await cleanup.run()
  }
}

runTool('chaos', main)
