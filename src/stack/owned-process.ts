import { spawn } from 'node:child_process'
import { closeSync, openSync, writeSync } from 'node:fs'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { z } from 'zod'
import { pollUntil } from './poll-until.js'
import { runCommand } from './run-command.js'

/**
 * The Java processes the stack starts, and the proof that a PID is still one of them. Every
 * process gets `-Dmoca.relay.stack=<instance dir>` on its command line; `down` kills a PID only
 * when that marker is in its command line, so a recycled PID (our broker died, the OS gave its
 * number to something else) is never touched.
 */

/** How often liveness is polled while a process stops. */
const STOP_POLL_MS = 100

/** The marker option. Its value is the instance folder, unique per service and port. */
export function ownershipMarker(instanceDir: string): string {
  return `-Dmoca.relay.stack=${instanceDir}`
}

export const PidRecord = z.object({
  pid: z.number().int().positive(),
  marker: z.string().min(1),
  startedAt: z.string(),
  logFile: z.string(),
})
export type PidRecord = z.infer<typeof PidRecord>

interface ProcessInfo {
  /** The command line, arguments joined by single spaces. */
  readonly args: string
  readonly zombie: boolean
}

/** Whole-argument match: the marker of kafka-1909 must not match kafka-19092's. */
function carriesMarker(info: ProcessInfo, marker: string): boolean {
  return ` ${info.args} `.includes(` ${marker} `)
}

/** Command line and state of a PID, or undefined when no such process exists. */
export async function inspectProcess(pid: number): Promise<ProcessInfo | undefined> {
  try {
    // Linux: /proc is exact (NUL-separated argv) and costs no process spawn
    const [cmdline, stat] = await Promise.all([
      readFile(`/proc/${pid}/cmdline`, 'utf8'),
      readFile(`/proc/${pid}/stat`, 'utf8'),
    ])
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
    return { args: cmdline.split('\0').join(' ').trim(), zombie: state === 'Z' }
  } catch (err) {
    // ENOENT: no such process; ESRCH: it exited between open and read
    const code = (err as { code?: unknown }).code
    if (code !== 'ENOENT' && code !== 'ESRCH') throw err
  }
  if (process.platform === 'linux') return undefined
  // macOS and other Unixes: ask ps (-ww: never truncate the command line)
  const result = await runCommand({
    command: 'ps',
    args: ['-ww', '-o', 'stat=', '-o', 'args=', '-p', String(pid)],
    timeoutMs: 10_000,
  })
  const line = result.output.trim()
  if (result.exitCode !== 0 || line === '') return undefined
  const [state = '', ...args] = line.split(/\s+/)
  return { args: args.join(' '), zombie: state.startsWith('Z') }
}

/** True while the PID runs (a zombie has exited: it only waits for its parent to reap it). */
export async function isRunning(pid: number): Promise<boolean> {
  const info = await inspectProcess(pid)
  return info !== undefined && !info.zombie
}

/** The PID from the record, if that process still runs and carries our marker. */
export async function findOwnedProcess(pidFile: string): Promise<PidRecord | undefined> {
  const record = await readPidRecord(pidFile)
  if (record === undefined) return undefined
  const info = await inspectProcess(record.pid)
  if (info === undefined || info.zombie || !carriesMarker(info, record.marker)) return undefined
  return record
}

export async function readPidRecord(pidFile: string): Promise<PidRecord | undefined> {
  let text: string
  try {
    text = await readFile(pidFile, 'utf8')
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined
    throw err
  }
  const parsed = PidRecord.safeParse(safeJson(text))
  // A torn or hand-edited pid file proves nothing about any process: treat it as absent.
  return parsed.success ? parsed.data : undefined
}

export async function writePidRecord(pidFile: string, record: PidRecord): Promise<void> {
  await writeFile(pidFile, `${JSON.stringify(record, null, 2)}\n`)
}

export async function removePidRecord(pidFile: string): Promise<void> {
  await rm(pidFile, { force: true })
}

export interface LaunchOptions {
  readonly command: string
  readonly args: readonly string[]
  readonly cwd: string
  readonly logFile: string
  /**
   * Detached: own session, survives the parent and the terminal closing (`stack up`).
   * Attached: stays in the caller's process group, so Ctrl-C on a test run stops it too.
   */
  readonly detached: boolean
}

/** What each start writes into the service's log before the process's own output. */
const START_HEADER = '====='

/** Starts a long-running service with stdout and stderr appended to its log file. */
export function launchProcess(options: LaunchOptions): Promise<number> {
  const fd = openSync(options.logFile, 'a')
  try {
    writeSync(
      fd,
      `\n${START_HEADER} ${new Date().toISOString()} ${options.command} ${options.args.join(' ')}\n`,
    )
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      detached: options.detached,
      stdio: ['ignore', fd, fd],
    })
    return new Promise((resolve, reject) => {
      child.once('error', reject)
      child.once('spawn', () => {
        // our process may exit (the CLI) or go on with other work (vitest) without waiting for it
        child.unref()
        if (child.pid === undefined) reject(new Error(`${options.command} started without a pid`))
        else resolve(child.pid)
      })
    })
  } finally {
    // the child holds its own copy of the descriptor
    closeSync(fd)
  }
}

export interface StopOptions {
  readonly pid: number
  readonly marker: string
  /** Time for a clean shutdown after SIGTERM before SIGKILL. */
  readonly gracefulMs: number
}

/**
 * SIGTERM, wait, then SIGKILL; resolves once the process is gone. Re-checks the marker right
 * before each signal so that only our process is ever signalled.
 */
export async function stopProcess(options: StopOptions): Promise<'stopped' | 'killed' | 'gone'> {
  if (!(await signalIfOurs(options, 'SIGTERM'))) return 'gone'
  if (await waitForExit(options.pid, options.gracefulMs)) return 'stopped'
  if (!(await signalIfOurs(options, 'SIGKILL'))) return 'stopped'
  // SIGKILL cannot be ignored; this wait covers only the kernel tearing the process down
  if (await waitForExit(options.pid, 10_000)) return 'killed'
  throw new Error(`process ${options.pid} survived SIGKILL`)
}

async function signalIfOurs(options: StopOptions, signal: NodeJS.Signals): Promise<boolean> {
  const info = await inspectProcess(options.pid)
  if (info === undefined || info.zombie || !carriesMarker(info, options.marker)) return false
  try {
    process.kill(options.pid, signal)
    return true
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ESRCH') return false
    throw err
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const gone = await pollUntil({ intervalMs: STOP_POLL_MS, timeoutMs }, async () =>
    (await isRunning(pid)) ? undefined : true,
  )
  return gone === true
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** The non-empty lines a service's log holds since its latest start (all of them without one). */
export function linesSinceLatestStart(log: string): string[] {
  return log
    .slice(log.lastIndexOf(`\n${START_HEADER}`) + 1)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith(START_HEADER))
}
