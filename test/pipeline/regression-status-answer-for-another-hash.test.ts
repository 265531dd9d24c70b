import { describe, expect, it, vi } from 'vitest'
import { encodeConfirmRequest } from '../../src/pipeline/confirm-request.js'
import {
  answer,
  confirmPartition,
  confirmRequest,
  ISSUED_AT,
  TOPICS,
} from '../support/confirm-harness.js'
import { useFakeTimersFrom } from '../support/fake-timers.js'

/**
 * Was: the confirm stage took any ONCHAIN answer for the credential it polled, whatever
 * coreClaimHash the answer named, and credential.onchain carried the answer's hash: downstream was
 * told that a credential reached the chain on the strength of another credential's status, under
 * a hash that no credential.issued of this key had ever named.
 */
describe('a status answer about another coreClaimHash', () => {
  useFakeTimersFrom(ISSUED_AT)

  it('never confirms the credential: it is polled to the deadline and CONFIRM_TIMEOUT says why', async () => {
    const p = confirmPartition(() => answer('ONCHAIN', 'some-other-hash'))
    p.deliver(encodeConfirmRequest(confirmRequest()))
    await vi.advanceTimersByTimeAsync(21_000)

    expect(p.events(TOPICS.onchain)).toEqual([])
    expect(p.polls).toHaveLength(7)
    const [failed] = p.events(TOPICS.failed) as {
      coreClaimHash: string
      failure: { code: string; message: string }
    }[]
    expect(failed?.coreClaimHash).toBe('hash-1')
    expect(failed?.failure.code).toBe('CONFIRM_TIMEOUT')
    expect(failed?.failure.message).toContain(
      'last answer: ONCHAIN about another credential (coreClaimHash some-other-hash)',
    )
  })

  it('is polled past: credential.onchain follows the first answer about this credential, with its hash', async () => {
    const p = confirmPartition((ms) =>
      ms < 4000 ? answer('ONCHAIN', 'some-other-hash') : answer('ONCHAIN'),
    )
    p.deliver(encodeConfirmRequest(confirmRequest()))
    await vi.advanceTimersByTimeAsync(21_000)

    expect(p.polls.map((poll) => poll.msSinceIssued)).toEqual([1000, 2000, 4000])
    expect(p.events(TOPICS.failed)).toEqual([])
    expect(p.events(TOPICS.onchain)).toMatchObject([
      { idempotencyKey: 'key-1', coreClaimHash: 'hash-1', vcStatus: 'ONCHAIN' },
    ])
  })
})
