import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { encodeConfirmRequest } from '../../src/pipeline/confirm-request.js'
import { mocaFailure } from '../support/moca-failure.js'
import {
  answer,
  confirmPartition,
  confirmRequest,
  ISSUED_AT,
  TOPICS,
} from '../support/confirm-harness.js'

/**
 * The failure: time spent waiting at an open circuit (MocaChain answering 401/403) must not count
 * toward the confirm deadline — "systemic errors never turn into credential.failed"
 * (docs/architecture.md). confirm-stage.ts keeps that waited time only in memory (runWithRetry's
 * local `startedAt`), and the deadline is recomputed from the request's issuedAt. After a restart
 * or rebalance during (or after) an outage longer than the deadline, the next owner's first poll
 * hears WAIT_ONCHAIN, finds the deadline long gone and publishes credential.failed CONFIRM_TIMEOUT
 * for a credential that reaches ONCHAIN a moment later. Without the restart the same story ends in
 * credential.onchain (test/pipeline/confirm-stage.test.ts, "waits out a systemic outage…").
 */
describe('confirm stage, a restart after a systemic outage', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: ISSUED_AT })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('does not turn the outage into CONFIRM_TIMEOUT', async () => {
    // 401 until 30 s after issuance (the deadline is 20 s), then WAIT_ONCHAIN once, then ONCHAIN.
    let waited = false
    const script = (ms: number) => {
      if (ms < 30_000) return mocaFailure('status', 'MOCA_UNAUTHORIZED', 'systemic', 401)
      if (!waited) {
        waited = true
        return answer('WAIT_ONCHAIN')
      }
      return answer('ONCHAIN')
    }
    const first = confirmPartition(script)
    first.deliver(encodeConfirmRequest(confirmRequest()))
    await vi.advanceTimersByTimeAsync(29_000)
    expect(first.events(TOPICS.failed)).toEqual([])
    // The relay restarts (a deploy, a rebalance) while the circuit is open: nothing was committed.
    await first.worker.stop(0)
    expect(first.committedOffset()).toBeNull()
    await vi.advanceTimersByTimeAsync(1_000)

    const next = confirmPartition(script)
    next.deliver(encodeConfirmRequest(confirmRequest()))
    await vi.advanceTimersByTimeAsync(120_000)

    expect(next.events(TOPICS.failed)).toEqual([])
    expect(next.events(TOPICS.onchain)).toMatchObject([{ vcStatus: 'ONCHAIN' }])
  })
})
