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
 * The failure: the confirm stage's credential.failed id is `<key>:failed:confirm` for every
 * epoch (confirm-stage.ts calls buildFailed without anything that tells a redrive's confirmation
 * from the first one). A redrive of a CONFIRM_TIMEOUT that ends in a different failure
 * (here MocaChain no longer knows the hash) publishes a new outcome under the old event's id and
 * ce_id, so a consumer that deduplicates on id, as the schema tells it to, drops the redrive's
 * outcome. The issue stage avoids this for its redrives by adding the run to the id.
 */
describe("confirm stage, a redrive's credential.failed", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: ISSUED_AT })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('gets an id of its own when its outcome differs from the first failure', async () => {
    let redriven = false
    const p = confirmPartition(() =>
      redriven
        ? mocaFailure('status', 'MOCA_STATUS_NOT_FOUND', 'terminal', 404)
        : answer('WAIT_ONCHAIN'),
    )
    p.deliver(encodeConfirmRequest(confirmRequest()))
    await vi.advanceTimersByTimeAsync(21_000)

    redriven = true
    const redriveAt = Date.now()
    p.deliver(encodeConfirmRequest(confirmRequest({ epoch: redriveAt, issuedAt: redriveAt })))
    await vi.advanceTimersByTimeAsync(5_000)

    const failed = p.events(TOPICS.failed) as { id: string; failure: { code: string } }[]
    expect(failed.map((e) => e.failure.code)).toEqual(['CONFIRM_TIMEOUT', 'MOCA_STATUS_NOT_FOUND'])
    expect(failed[1]!.id).not.toBe(failed[0]!.id)
  })
})
