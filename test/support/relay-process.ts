import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { onTestFinished } from 'vitest'
import { stringify } from 'yaml'

/** The built CLI, as a user runs it (npm test builds dist/ before vitest starts). */
export const CLI = resolve('dist/src/cli/main.js')

export interface RelayProcessHandle {
  readonly child: ChildProcess
  readonly logFile: string
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>
  kill(signal: NodeJS.Signals): void
}

/** Writes a config file into a fresh temp folder and returns its path. */
export async function writeRelayConfig(raw: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'moca-relay-e2e-'))
  const path = join(dir, 'relay.yaml')
  await writeFile(path, stringify(raw))
  return path
}

/** `moca-relay <args>` in a child process; killed when the test ends if still running. */
export function spawnCli(
  args: readonly string[],
  env: Record<string, string>,
  logName = 'relay',
): RelayProcessHandle {
  const logFile = join(tmpdir(), `moca-relay-${logName}-${process.pid}-${Date.now()}.log`)
  const log = createWriteStream(logFile)
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout.pipe(log)
  child.stderr.pipe(log)
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code) => resolveExit(code)),
  )
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  })
  return { child, logFile, exited, kill: (signal) => child.kill(signal) }
}

/** Runs a one-shot CLI command to completion and returns its exit code and output. */
export async function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = spawnCli(args, env, args[0] ?? 'cli')
  const code = await child.exited
  return { code, output: await readFile(child.logFile, 'utf8') }
}
