/**
 * Runs tasks so that tasks with the same key run one at a time, in submission order, while tasks
 * with different keys run concurrently (Parallel Consumer's KEY ordering). There is no limit here:
 * the partition's in-flight budget bounds what gets submitted.
 */
export interface KeyOrderedExecutor<T> {
  submit(key: string, task: T): void
  /** Tasks running now (at most one per key). */
  readonly running: number
  /** Tasks waiting behind a running task of the same key. */
  readonly waiting: number
  /** Resolves once nothing runs or waits. */
  whenIdle(): Promise<void>
}

export interface KeyOrderedExecutorDeps<T> {
  /** Runs one task. It must not reject: outcomes, failures included, are its own business. */
  readonly run: (task: T) => Promise<void>
  /** A rejected task is a bug in `run`; it is reported here and the key moves on. */
  readonly onBug: (err: unknown, task: T) => void
}

export function createKeyOrderedExecutor<T>(
  deps: KeyOrderedExecutorDeps<T>,
): KeyOrderedExecutor<T> {
  /** Per busy key, the tasks waiting behind the running one. An empty array: running, none waiting. */
  const queues = new Map<string, T[]>()
  let running = 0
  let waiting = 0
  let idleWaiters: (() => void)[] = []

  const finish = (key: string): void => {
    running--
    const queue = queues.get(key)
    const next = queue?.shift()
    if (next === undefined) {
      queues.delete(key)
    } else {
      waiting--
      start(key, next)
    }
    if (running === 0 && waiting === 0 && idleWaiters.length > 0) {
      const resolveAll = idleWaiters
      idleWaiters = []
      for (const resolve of resolveAll) resolve()
    }
  }

  const start = (key: string, task: T): void => {
    running++
    let ran: Promise<void>
    try {
      ran = deps.run(task)
    } catch (err) {
      // a run that throws before it returns its promise is a failed task, not a stuck key
      ran = Promise.reject(err)
    }
    // One reaction per task (not catch + finally: two promises more per task in flight).
    ran.then(
      () => finish(key),
      (err: unknown) => {
        try {
          deps.onBug(err, task)
        } finally {
          finish(key)
        }
      },
    )
  }

  return {
    submit(key, task) {
      const queue = queues.get(key)
      if (queue) {
        queue.push(task)
        waiting++
        return
      }
      queues.set(key, [])
      start(key, task)
    },
    get running() {
      return running
    },
    get waiting() {
      return waiting
    },
    whenIdle() {
      if (running === 0 && waiting === 0) return Promise.resolve()
      return new Promise((resolve) => idleWaiters.push(resolve))
    },
  }
}
