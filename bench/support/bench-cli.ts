import { existsSync } from 'node:fs'
import { UsageError } from './bench-options.js'
import { killAllChildren, stopAllChildren } from './child-processes.js'

/**
 * What `npm run bench` and `npm run chaos` share as command-line tools: options or usage, the
 * built CLI they spawn, cleanup steps run at the end or on Ctrl-C, and the exit code.
 */

/** After Ctrl-C, cleanup (children, topics) gets this long before the tool exits anyway. */
const INTERRUPT_CLEANUP_MS = 20_000

export const log = (line: string): void => {
  process.stderr.write(`${line}\n`)
}

/** The parsed options, or the exit code when there is nothing to run (help: 0, bad usage: 2). */
export function readOptions<T>(tool: string, usage: string, parse: () => T | 'help'): T | number {
  let options: T | 'help'
  try {
    options = parse()
  } catch (err) {
    if (
      err instanceof UsageError ||
      (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      process.stderr.write(`${tool}: ${(err as Error).message}\n\n${usage}\n`)
      return 2
    }
    throw err
  }
  if (options === 'help') {
    process.stdout.write(`${usage}\n`)
    return 0
  }
  return options
}

/** False (and says so) when dist/ has not been built. */
export function cliIsBuilt(tool: string, cliPath: string): boolean {
  if (existsSync(cliPath)) return true
  process.stderr.write(`${tool}: ${cliPath} is missing; run \`npm run build\` first.\n`)
  return false
}

/**
 * Cleanup steps, run in reverse order by `run()` — at the end of the tool, or on SIGINT/SIGTERM
 * (`what` says what it does then), after which the process exits 130. Every child the tool
 * started is killed when the process exits, whatever happened.
 */
export function createCleanup(what: string): {
  push(step: () => Promise<unknown>): void
  run(): Promise<void>
} {
  const steps: (() => Promise<unknown>)[] = []
  const run = async (): Promise<void> => {
    for (const step of steps.reverse())
      await step().catch((err: unknown) => log(`cleanup: ${(err as Error).message}`))
    steps.length = 0
    await stopAllChildren(5_000)
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`\n${signal}: ${what}…`)
    setTimeout(() => {
      killAllChildren()
      process.exit(130)
    }, INTERRUPT_CLEANUP_MS).unref()
    void run().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  process.once('exit', killAllChildren)
  return { push: (step) => void steps.push(step), run }
}

/** Runs `main` with the process's arguments and sets the exit code from it. */
export function runTool(tool: string, main: (argv: readonly string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (err: unknown) => {
      log(`${tool} failed: ${(err as Error).stack ?? String(err)}`)
      killAllChildren()
      process.exitCode = 1
    },
  )
}
