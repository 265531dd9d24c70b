import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { compileRetryPolicy } from '../../src/domain/retry-policy.js'
import {
  runWithRetry,
  type AttemptResult,
  type RetryOutcome,
} from '../../src/pipeline/retry-engine.js'

const policy = compileRetryPolicy({
  initialDelayMs: 100,
  multiplier: 2,
  maxDelayMs: 10_000,
  deadlineMs: 1_000,
  jitter: 'none',
  maxRetryAfterMs: 60_000,
})

/**
 * Runs the engine on a fake clock with scripted attempts, and reports when (fake ms since the
 * start) each attempt began: the waits a user would see between calls to MocaChain.
 */
async function run(
  script: ((attemptNumber: number) => AttemptResult<string> | Promise<AttemptResult<string>>)[],
  options: { firstDelayMs?: number } = {},
): Promise<{ outcome: RetryOutcome<string>; startedAt: number[] }> {
  const t0 = Date.now()
  const startedAt: number[] = []
  const pending = runWithRetry(
    { policy, startedAt: t0, signal: new AbortController().signal, ...options },
    async (attemptNumber) => {
      startedAt.push(Date.now() - t0)
      const step = script.shift()
      if (step === undefined) throw new Error(`unscripted attempt ${attemptNumber}`)
      return step(attemptNumber)
    },
  )
  await vi.runAllTimersAsync()
  return { outcome: await pending, startedAt }
}

const again = (retryAfterMs: number | null = null): AttemptResult<string> => ({
  kind: 'again',
  retryAfterMs,
  last: new Error('try again'),
})
const done: AttemptResult<string> = { kind: 'done', value: 'ok' }

describe('runWithRetry', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it("waits the server's Retry-After before the next attempt", async () => {
    const { outcome, startedAt } = await run([() => again(700), () => done])
    expect(outcome).toEqual({ kind: 'done', value: 'ok', attempts: 2 })
    expect(startedAt).toEqual([0, 700])
  })

  it('waits firstDelayMs before the first attempt (a poll starts after its first interval)', async () => {
    const { startedAt } = await run([() => done], { firstDelayMs: 300 })
    expect(startedAt).toEqual([300])
  })

  it('a wait at an open circuit is not an attempt and does not count toward the deadline', async () => {
    const blockedFor5s = async (): Promise<AttemptResult<string>> => {
      await new Promise((resolve) => setTimeout(resolve, 5_000))
      return { kind: 'blocked', waitedMs: 5_000 }
    }
    const { outcome, startedAt } = await run([
      () => again(),
      blockedFor5s,
      () => again(),
      () => done,
    ])
    // 100 ms after the first failure, 5 s at the circuit, then 200 ms: the backoff of a second
    // failure, well past the 1 s deadline counted from the start alone.
    expect(startedAt).toEqual([0, 100, 5_100, 5_300])
    expect(outcome).toEqual({ kind: 'done', value: 'ok', attempts: 3 })
  })

  it("does not count an attempt's wait at the circuit toward the deadline when its call then failed", async () => {
    const waitedThenFailed = async (): Promise<AttemptResult<string>> => {
      await new Promise((resolve) => setTimeout(resolve, 5_000))
      return { kind: 'again', last: new Error('503 after the circuit closed'), waitedMs: 5_000 }
    }
    const { outcome, startedAt } = await run([() => again(), waitedThenFailed, () => done])
    // without the 5 s at the circuit, 5.1 s in is past the 1 s deadline: it would give up
    expect(startedAt).toEqual([0, 100, 5_300])
    expect(outcome).toEqual({ kind: 'done', value: 'ok', attempts: 3 })
  })
})
