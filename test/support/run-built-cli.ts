import { spawn } from 'node:child_process'
import { resolve } from 'node:path'

/** The built CLI (`npm run build` first), as an operator runs it. */
export const BUILT_CLI = resolve('dist/src/cli/main.js')

export interface CliRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs `moca-relay <args>` to completion with exactly `env` (plus PATH, so `node` tools resolve):
 * nothing leaks in from the shell that runs the tests.
 */
export function runBuiltCli(
  args: readonly string[],
  env: Record<string, string>,
  options: { readonly cwd?: string; readonly timeoutMs?: number } = {},
): Promise<CliRun> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [BUILT_CLI, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000)
    child.once('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.once('close', (code) => {
      clearTimeout(timer)
      resolveRun({ code, stdout, stderr })
    })
  })
}
