import { setTimeout as sleep } from 'node:timers/promises'

/** How the stack waits for something: a fixed interval and a deadline, nothing else. */
export interface PollPolicy {
  readonly intervalMs: number
  readonly timeoutMs: number
}

/**
 * Calls `check` until it returns a value, or the deadline passes (then undefined). `check` throws
 * to stop early, e.g. when the process being waited for has died. Local services answer in
 * seconds or not at all, so a fixed interval beats backoff here: it notices readiness sooner.
 */
export async function pollUntil<T>(
  policy: PollPolicy,
  check: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const deadline = Date.now() + policy.timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    const left = deadline - Date.now()
    if (left <= 0) return undefined
    await sleep(Math.min(policy.intervalMs, left))
  }
}
