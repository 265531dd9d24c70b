/** Every wait in the bench has a deadline: a stuck pipeline fails the run instead of hanging it. */
export interface WaitOptions {
  /** Says what was awaited, in the timeout error. */
  readonly what: string
  readonly timeoutMs: number
  /** @default 100 */
  readonly intervalMs?: number
}

export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError'
}

/** Thrown by a probe when waiting longer is pointless (the process it waits for exited). */
export class GiveUpWaiting extends Error {
  override readonly name = 'GiveUpWaiting'
}

/** Polls `probe` until it returns a value other than undefined, or throws after the deadline. */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  options: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs
  const interval = options.intervalMs ?? 100
  // the most recent probe error, quoted if the wait times out
  let lastError: unknown = null
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (err) {
      if (err instanceof GiveUpWaiting) throw err
      lastError = err
    }
    if (Date.now() >= deadline) {
      const cause = lastError === null ? '' : ` (last error: ${(lastError as Error).message})`
      throw new WaitTimeoutError(
        `timed out after ${options.timeoutMs} ms waiting for ${options.what}${cause}`,
      )
    }
    await sleep(interval)
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))
}
