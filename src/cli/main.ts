#!/usr/bin/env -S node --max-semi-space-size=64
// First: kafkajs must load with its changes in place (see the module).
import '../kafka/kafkajs-patches.js'
import { isRelayError } from '../errors/relay-error.js'
import { commands } from './commands.js'

/**
 * A reader that went away (`moca-relay check | head -3`) ends the command as it ends any Unix
 * tool, quietly and with the status of a SIGPIPE (128 + 13), not with an unhandled EPIPE 'error'
 * event and a stack trace. Node ignores SIGPIPE itself, so the write fails instead.
 */
const SIGPIPE_STATUS = 141
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(SIGPIPE_STATUS)
    throw err
  })
}

function printHelp(): void {
  const width = Math.max(...commands.map((c) => c.name.length), 4)
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`)
  process.stdout.write(
    [
      'moca-relay: turns domain events on Kafka into MocaChain verifiable credentials.',
      '',
      'Usage: moca-relay <command> [options]',
      '',
      'Commands:',
      ...lines,
      '',
      'Run `moca-relay <command> --help` for the options of one command.',
      '',
    ].join('\n'),
  )
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    printHelp()
    return name === undefined ? 2 : 0
  }
  const command = commands.find((c) => c.name === name)
  if (!command) {
    process.stderr.write(
      `moca-relay: unknown command "${name}". Run \`moca-relay --help\` to list the commands.\n`,
    )
    return 2
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.summary}\n\n${command.usage}\n`)
    return 0
  }
  return command.run(rest)
}

/**
 * A finished command has closed what it opened; should a library still hold a timer or a
 * socket, the process exits anyway instead of hanging a shell or a CI job.
 */
const EXIT_GRACE_MS = 2_000

function exitSoon(code: number): void {
  process.exitCode = code
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref()
}

main(process.argv.slice(2)).then(
  (code) => exitSoon(code),
  (err: unknown) => {
    // Errors we raised carry a message written for the operator: print it alone, no stack.
    if (isRelayError(err)) {
      process.stderr.write(`moca-relay: ${err.message} [${err.code}]\n`)
      exitSoon(1)
      return
    }
    process.stderr.write(`moca-relay: unexpected error (a bug, please report it):\n`)
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    exitSoon(70)
  },
)
