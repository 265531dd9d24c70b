import { spawn } from 'node:child_process'

/** Keep this much of a command's output: enough for Maven's closing error lines. */
const OUTPUT_TAIL_BYTES = 16 * 1024

export interface CommandResult {
  /** Exit code, or null when a signal (or our timeout) ended the process. */
  readonly exitCode: number | null
  readonly timedOut: boolean
  /** stdout and stderr interleaved, the last OUTPUT_TAIL_BYTES of it. */
  readonly output: string
}

export interface RunCommandOptions {
  readonly command: string
  readonly args: readonly string[]
  readonly cwd?: string
  /** The process gets SIGKILL after this long; nothing we run may hang the stack. */
  readonly timeoutMs: number
}

/**
 * Runs a short-lived tool (java -version, mvn, StorageTool, tar) to completion. Rejects only when
 * the command cannot be started at all (the error keeps its `code`, e.g. ENOENT), so callers
 * can tell "not installed" from "ran and failed".
 */
export function runCommand(options: RunCommandOptions): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    const collect = (chunk: Buffer): void => {
      output += chunk.toString('utf8')
      if (output.length > OUTPUT_TAIL_BYTES * 2) output = output.slice(-OUTPUT_TAIL_BYTES)
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, options.timeoutMs)
    child.once('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.once('close', (exitCode) => {
      clearTimeout(timer)
      resolve({ exitCode, timedOut, output: output.slice(-OUTPUT_TAIL_BYTES) })
    })
  })
}

/** The last `count` non-empty lines of a tool's output, for one-line error messages. */
export function lastLines(output: string, count: number): string[] {
  return output
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '')
    .slice(-count)
}
