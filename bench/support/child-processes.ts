import { fork, spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream } from 'node:fs'

/**
 * Every process the bench starts, so that none outlives it: stopAllChildren at the end of a run,
 * killAllChildren on an error or Ctrl-C (run.ts wires both).
 */
export interface TrackedChild {
  readonly name: string
  readonly child: ChildProcess
  readonly pid: number
  readonly logFile: string
  /** Resolves with the exit code, or the signal that ended the process. */
  readonly exited: Promise<number | NodeJS.Signals | null>
  /** True until the process exited. */
  readonly alive: boolean
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs: number): Promise<number | NodeJS.Signals | null>
}

export interface SpawnNodeOptions {
  readonly name: string
  /** Flags for node itself (--expose-gc, --cpu-prof…). */
  readonly nodeFlags?: readonly string[]
  readonly script: string
  readonly args?: readonly string[]
  readonly env: Record<string, string | undefined>
  /** stdout and stderr go here. */
  readonly logFile: string
  /** An IPC channel, for bench workers that report over process.send. */
  readonly ipc?: boolean
}

const children = new Set<TrackedChild>()

export function spawnNode(options: SpawnNodeOptions): TrackedChild {
  const log = createWriteStream(options.logFile, { flags: 'a' })
  const flags = [...(options.nodeFlags ?? [])]
  const args = [...(options.args ?? [])]
  const child = options.ipc
    ? fork(options.script, args, {
        execArgv: flags,
        env: options.env,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      })
    : spawn(process.execPath, [...flags, options.script, ...args], {
        env: options.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
  child.stdout?.pipe(log)
  child.stderr?.pipe(log)
  if (child.pid === undefined) throw new Error(`could not start ${options.name}`)
  let alive = true
  let tracked: TrackedChild | null = null
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => {
      alive = false
      if (tracked) children.delete(tracked)
      resolve(code ?? signal)
    }),
  )
  tracked = {
    name: options.name,
    child,
    pid: child.pid,
    logFile: options.logFile,
    exited,
    get alive() {
      return alive
    },
    async stop(graceMs) {
      if (!alive) return exited
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      try {
        return await exited
      } finally {
        clearTimeout(timer)
      }
    },
  }
  children.add(tracked)
  return tracked
}

/** Kills every child still running (SIGKILL): the last resort on errors and Ctrl-C. */
export function killAllChildren(): void {
  for (const tracked of children) tracked.child.kill('SIGKILL')
}

/** Stops every child still running, politely first. */
export async function stopAllChildren(graceMs: number): Promise<void> {
  await Promise.all([...children].map((tracked) => tracked.stop(graceMs)))
}
