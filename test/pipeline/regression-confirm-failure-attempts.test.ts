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
 * The failure: every credential.failed of the confirm stage says `failure.attempts: 1`
 * (confirm-stage.ts passes a literal 1 to failure()), whatever number of status calls it made.
 * The published contract (schemas/credential.failed.*) defines attempts as "how many calls to
 * MocaChain were made before giving up", so a CONFIRM_TIMEOUT after seven polls misreports one.
 */
describe('confirm stage, failure.attempts of credential.failed', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: ISSUED_AT })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('counts every status call of a CONFIRM_TIMEOUT', async () => {
    const p = confirmPartition(() => answer('WAIT_ONCHAIN'))
    p.deliver(encodeConfirmRequest(confirmRequest()))
    await vi.advanceTimersByTimeAsync(20_100)

    expect(p.polls).toHaveLength(7)
    expect(p.events(TOPICS.failed)).toMatchObject([
      { failure: { code: 'CONFIRM_TIMEOUT', attempts: 7 } },
    ])
  })

  it('counts the polls before a terminal answer', async () => {
    // WAIT_ONCHAIN twice, then the hash is gone (404): three calls.
    const p = confirmPartition((ms) =>
      ms < 4000
        ? answer('WAIT_ONCHAIN')
        : mocaFailure('status', 'MOCA_STATUS_NOT_FOUND', 'terminal', 404),
    )
    p.deliver(encodeConfirmRequest(confirmRequest()))
    await vi.advanceTimersByTimeAsync(5_000)

    expect(p.polls).toHaveLength(3)
    expect(p.events(TOPICS.failed)).toMatchObject([
      { failure: { code: 'MOCA_STATUS_NOT_FOUND', attempts: 3 } },
    ])
  })
})
