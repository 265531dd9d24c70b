import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { encodeConfirmRequest } from '../../src/pipeline/confirm-request.js'
import {
  answer,
  confirmPartition,
  confirmRequest,
  ISSUED_AT,
  TOPICS,
} from '../support/confirm-harness.js'

/**
 * The failure: a redrive's confirmation (epoch > 0) that times out again writes a CONFIRM_FAILED
 * ledger entry without its epoch (confirm-stage.ts builds the entry with no `epoch` field), so the
 * settled check `(prior.epoch ?? 0) >= epoch` is false for that very request. When the next owner
 * reads the record again (its offset was not yet committed: the watermark waits for older records,
 * or the relay died after the transaction), it polls MocaChain for another full deadline and
 * publishes a second credential.failed for the same credential.
 */
describe('confirm stage, a redrive confirmation that timed out again', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: ISSUED_AT })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('records its epoch in the CONFIRM_FAILED entry', async () => {
    const p = confirmPartition(() => answer('WAIT_ONCHAIN'))
    p.deliver(encodeConfirmRequest(confirmRequest({ epoch: 6 })))
    await vi.advanceTimersByTimeAsync(21_000)
    expect(p.events(TOPICS.failed)).toHaveLength(1)
    expect(p.ledgerEntries()).toMatchObject([{ state: 'CONFIRM_FAILED', epoch: 6 }])
  })

  it('is not polled again, nor failed twice, when the next owner reads the same record again', async () => {
    const first = confirmPartition(() => answer('WAIT_ONCHAIN'))
    first.deliver(encodeConfirmRequest(confirmRequest({ epoch: 6 })))
    await vi.advanceTimersByTimeAsync(21_000)
    expect(first.events(TOPICS.failed)).toMatchObject([{ failure: { code: 'CONFIRM_TIMEOUT' } }])

    // The next owner restores the confirm ledger, then reads the same redrive request again.
    const next = confirmPartition(() => answer('WAIT_ONCHAIN'))
    next.restoreFrom(first)
    next.deliver(encodeConfirmRequest(confirmRequest({ epoch: 6 })))
    await vi.advanceTimersByTimeAsync(21_000)

    expect.soft(next.polls).toEqual([])
    expect.soft(next.events(TOPICS.failed)).toEqual([])
    expect(next.committedOffset()).toBe(1)
  })
})
