import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnNode, type TrackedChild } from './child-processes.js'

/**
 * Runs one bench worker (bench/workers/*.ts) in a child process: settings go over IPC (never argv
 * or env, where other processes could read the partner key), one report comes back the same way.
 */
export interface WorkerRun<TReport> {
  readonly process: TrackedChild
  readonly report: Promise<TReport>
}

export interface RunWorkerOptions<TSettings> {
  /** File name in dist/bench/workers, e.g. "naive-worker.js". */
  readonly worker: string
  readonly name: string
  readonly settings: TSettings
  readonly workDir: string
  readonly timeoutMs: number
}

export function runWorker<TSettings, TReport>(
  options: RunWorkerOptions<TSettings>,
): WorkerRun<TReport> {
  const script = fileURLToPath(new URL(`../workers/${options.worker}`, import.meta.url))
  const child = spawnNode({
    name: options.name,
    script,
    env: { ...process.env },
    logFile: join(options.workDir, `${options.name}.log`),
    ipc: true,
  })
  const report = new Promise<TReport>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.child.kill('SIGKILL')
      reject(
        new Error(
          `${options.name} sent no report within ${options.timeoutMs} ms; see ${child.logFile}`,
        ),
      )
    }, options.timeoutMs)
    child.child.once('message', (message) => {
      clearTimeout(timer)
      resolve(message as TReport)
    })
    void child.exited.then((code) => {
      clearTimeout(timer)
      reject(
        new Error(
          `${options.name} exited (${String(code)}) before reporting; see ${child.logFile}`,
        ),
      )
    })
  })
  child.child.send(options.settings as object)
  return { process: child, report }
}

/** The worker side: receive settings once, run, send the report, exit. */
export function serveWorker<TSettings, TReport>(
  run: (settings: TSettings) => Promise<TReport>,
): void {
  process.once('message', (settings: TSettings) => {
    run(settings).then(
      (report) => process.send?.(report, () => process.exit(0)),
      (err: unknown) => {
        console.error(err)
        process.exit(1)
      },
    )
  })
}
