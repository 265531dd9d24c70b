import { describe, expect, it, vi } from 'vitest'
import type { ErrorClassification } from '../../src/errors/relay-error.js'
import { LedgerState, type LedgerEntry } from '../../src/ledger/ledger-entry.js'
import { encodeConfirmRequest } from '../../src/pipeline/confirm-request.js'
import {
  answer,
  confirmPartition,
  confirmRequest,
  EMAIL,
  ISSUED_AT,
  TOPICS,
} from '../support/confirm-harness.js'
import { classifiedAnswer, mocaFailure } from '../support/moca-failure.js'
import { useFakeTimersFrom } from '../support/fake-timers.js'

const failure = (code: string, classification: ErrorClassification, httpStatus: number) =>
  mocaFailure('status', code, classification, httpStatus)

describe('the confirm stage', () => {
  useFakeTimersFrom(ISSUED_AT)

  it('polls from issuedAt + initialDelay, doubling to maxDelay, and gives up with CONFIRM_TIMEOUT at the deadline', async () => {
    const p = confirmPartition(() => answer('WAIT_ONCHAIN'))
    p.deliver(encodeConfirmRequest(confirmRequest()))
    await vi.advanceTimersByTimeAsync(19_999)
    expect(p.events(TOPICS.failed)).toEqual([])
    await vi.advanceTimersByTimeAsync(1_000)

    expect(p.polls.map((poll) => poll.msSinceIssued)).toEqual([
      1000, 2000, 4000, 8000, 12_000, 16_000, 20_000,
    ])
    expect(p.events(TOPICS.onchain)).toEqual([])
    expect(p.events(TOPICS.failed)).toMatchObject([
      {
        idempotencyKey: 'key-1',
        stage: 'confirm',
        coreClaimHash: 'hash-1',
        failure: { code: 'CONFIRM_TIMEOUT' },
      },
    ])
    expect(p.committedOffset()).toBe(1)
  })

  it('resumes the deadline after a restart: a request read again 15 s after issuance polls at once and times out 5 s later', async () => {
    vi.setSystemTime(ISSUED_AT + 15_000)
    const p = confirmPartition(() => answer('WAIT_ONCHAIN'))
    p.deliver(encodeConfirmRequest(confirmRequest()))
    await vi.advanceTimersByTimeAsync(5_100)

    expect(p.polls.map((poll) => poll.msSinceIssued)).toEqual([15_000, 16_000, 18_000, 20_000])
    expect(p.events(TOPICS.failed)).toMatchObject([{ failure: { code: 'CONFIRM_TIMEOUT' } }])
  })

  it('publishes credential.onchain once MocaChain says ONCHAIN, signed for the holder, without the email in any event', async () => {
    const p = confirmPartition((ms) => answer(ms < 4000 ? 'WAIT_ONCHAIN' : 'ONCHAIN'))
    p.deliver(encodeConfirmRequest(confirmRequest()))
    await vi.advanceTimersByTimeAsync(20_000)

    expect(p.polls).toEqual([
      { msSinceIssued: 1000, email: EMAIL },
      { msSinceIssued: 2000, email: EMAIL },
      { msSinceIssued: 4000, email: EMAIL },
    ])
    expect(p.events(TOPICS.onchain)).toMatchObject([
      { idempotencyKey: 'key-1', coreClaimHash: 'hash-1', userUuid: 'user-1', vcStatus: 'ONCHAIN' },
    ])
    expect(p.events(TOPICS.failed)).toEqual([])
    expect(p.committedOffset()).toBe(1)
    const everything = p.commits.flatMap((c) => c.records.map((r) => r.value!.toString('utf8')))
    expect(everything.join('\n').toLowerCase()).not.toContain(EMAIL.toLowerCase())
  })

  it.each(['FAILED', 'REVOKED', 'SOMETHING_NEW'])(
    'never calls a credential onchain that MocaChain reports %s: it keeps polling and times out naming that status',
    async (vcStatus) => {
      const p = confirmPartition(() => answer(vcStatus))
      p.deliver(encodeConfirmRequest(confirmRequest()))
      await vi.advanceTimersByTimeAsync(20_100)

      expect(p.events(TOPICS.onchain)).toEqual([])
      const [failed] = p.events(TOPICS.failed) as { failure: { code: string; message: string } }[]
      expect(failed?.failure.code).toBe('CONFIRM_TIMEOUT')
      expect(failed?.failure.message).toContain(`last answer: ${vcStatus}`)
    },
  )

  it('fails the confirmation at once on a terminal answer (the hash is not found), without polling to the deadline', async () => {
    const p = confirmPartition(() => failure('MOCA_STATUS_NOT_FOUND', 'terminal', 404))
    p.deliver(encodeConfirmRequest(confirmRequest()))
    await vi.advanceTimersByTimeAsync(1_100)

    expect(p.polls).toHaveLength(1)
    expect(p.events(TOPICS.failed)).toMatchObject([
      { failure: { code: 'MOCA_STATUS_NOT_FOUND', httpStatus: 404 } },
    ])
  })

  // Was: a redirect was MOCA_UNEXPECTED_RESPONSE, terminal: the credential failed at its first
  // poll although it was on its way on-chain.
  it('waits at the circuit while the status call is redirected (base URL moved), then confirms', async () => {
    const p = confirmPartition((ms) =>
      ms < 30_000
        ? classifiedAnswer('status', {
            status: 301,
            location:
              'https://mocachain-mainnet.api.air3.com/v1/credentials/status?coreClaimHash=hash-1',
          })
        : answer('ONCHAIN'),
    )
    p.deliver(encodeConfirmRequest(confirmRequest()))
    await vi.advanceTimersByTimeAsync(120_000)

    expect(p.events(TOPICS.failed)).toEqual([])
    expect(p.events(TOPICS.onchain)).toMatchObject([{ vcStatus: 'ONCHAIN' }])
  })

  // Was: MOCA_STATUS_NOT_FOUND, terminal, for any 404: a proxy's own 404 page (a wrong base URL,
  // not MocaChain's "No credential found") failed the credential at its first poll.
  it("waits at the circuit while a web server's own 404 page answers the status call, then confirms", async () => {
    const p = confirmPartition((ms) =>
      ms < 30_000
        ? classifiedAnswer('status', {
            status: 404,
            body: '<html><title>404 Not Found</title><body>nginx</body></html>',
          })
        : answer('ONCHAIN'),
    )
    p.deliver(encodeConfirmRequest(confirmRequest()))
    await vi.advanceTimersByTimeAsync(120_000)

    expect(p.events(TOPICS.failed)).toEqual([])
    expect(p.events(TOPICS.onchain)).toMatchObject([{ vcStatus: 'ONCHAIN' }])
  })

  it('still fails the credential on MocaChain\'s own 404 "No credential found"', async () => {
    const p = confirmPartition(() =>
      classifiedAnswer('status', {
        status: 404,
        body: JSON.stringify({ error: 404, message: 'No credential found for the given hash.' }),
      }),
    )
    p.deliver(encodeConfirmRequest(confirmRequest()))
    await vi.advanceTimersByTimeAsync(120_000)

    expect(p.events(TOPICS.onchain)).toEqual([])
    expect(p.events(TOPICS.failed)).toMatchObject([
      { failure: { code: 'MOCA_STATUS_NOT_FOUND', httpStatus: 404 } },
    ])
  })

  // Was: the first "No credential found" failed the credential, although the hash had come from
  // MocaChain's own issue answer a second before: a status index that lags the issue call would
  // have turned credentials on their way on-chain into credential.failed.
  it('polls again while a "No credential found" comes within notFoundGrace of issuance, then confirms', async () => {
    const p = confirmPartition(
      (ms) =>
        ms < 3_000
          ? classifiedAnswer('status', {
              status: 404,
              body: JSON.stringify({
                error: 404,
                message: 'No credential found for the given hash.',
              }),
            })
          : answer('ONCHAIN'),
      { notFoundGraceMs: 5_000 },
    )
    p.deliver(encodeConfirmRequest(confirmRequest()))
    await vi.advanceTimersByTimeAsync(10_000)

    expect(p.polls.map((poll) => poll.msSinceIssued)).toEqual([1000, 2000, 4000])
    expect(p.events(TOPICS.failed)).toEqual([])
    expect(p.events(TOPICS.onchain)).toMatchObject([{ vcStatus: 'ONCHAIN' }])
  })

  it('fails the credential with MOCA_STATUS_NOT_FOUND at the first "No credential found" past notFoundGrace, not at the deadline', async () => {
    const p = confirmPartition(() => failure('MOCA_STATUS_NOT_FOUND', 'terminal', 404), {
      notFoundGraceMs: 5_000,
    })
    p.deliver(encodeConfirmRequest(confirmRequest()))
    await vi.advanceTimersByTimeAsync(20_100)

    // +1, +2 and +4 s are inside the grace; +8 s is past it
    expect(p.polls.map((poll) => poll.msSinceIssued)).toEqual([1000, 2000, 4000, 8000])
    expect(p.events(TOPICS.onchain)).toEqual([])
    expect(p.events(TOPICS.failed)).toMatchObject([
      { failure: { code: 'MOCA_STATUS_NOT_FOUND', httpStatus: 404, attempts: 4 } },
    ])
  })

  it('waits out a systemic outage longer than the deadline at the circuit, then confirms: the wait does not count', async () => {
    // 401 until 30 s after issuance (past the 20 s deadline), then one WAIT_ONCHAIN, then ONCHAIN.
    let waited = false
    const p = confirmPartition((ms) => {
      if (ms < 30_000) return failure('MOCA_UNAUTHORIZED', 'systemic', 401)
      if (!waited) {
        waited = true
        return answer('WAIT_ONCHAIN')
      }
      return answer('ONCHAIN')
    })
    p.deliver(encodeConfirmRequest(confirmRequest()))
    await vi.advanceTimersByTimeAsync(120_000)

    expect(p.events(TOPICS.failed)).toEqual([])
    expect(p.events(TOPICS.onchain)).toMatchObject([{ vcStatus: 'ONCHAIN' }])
  })

  it('does not count the wait at the circuit toward the deadline when the answer after it is still WAIT_ONCHAIN', async () => {
    // 401 until 30 s after the first issuance; the second credential's first poll (at 6 s) waits
    // at the open circuit past its deadline, then hears WAIT_ONCHAIN once, like the first.
    const pendingOnce = new Set<string>()
    const p = confirmPartition((ms, coreClaimHash) => {
      if (ms < 30_000) return failure('MOCA_UNAUTHORIZED', 'systemic', 401)
      if (pendingOnce.has(coreClaimHash)) return answer('ONCHAIN', coreClaimHash)
      pendingOnce.add(coreClaimHash)
      return answer('WAIT_ONCHAIN', coreClaimHash)
    })
    p.deliver(encodeConfirmRequest(confirmRequest()))
    await vi.advanceTimersByTimeAsync(5_000)
    const bob = 'bob@example.com'
    p.deliver(
      encodeConfirmRequest(
        confirmRequest({
          idempotencyKey: 'key-2',
          coreClaimHash: 'hash-2',
          email: bob,
          orderingKey: bob,
          issuedAt: Date.now(),
        }),
      ),
    )
    await vi.advanceTimersByTimeAsync(120_000)

    expect(p.events(TOPICS.failed)).toEqual([])
    expect(p.events(TOPICS.onchain)).toHaveLength(2)
  })

  it('skips a confirmation the ledger settled, and re-polls one a redrive sent with a newer epoch', async () => {
    const p = confirmPartition(() => answer('ONCHAIN'))
    p.worker.ledger.set('key-1', timedOutEntry({ epoch: 5 }))
    p.worker.ledger.set('key-2', {
      state: 'ONCHAIN',
      generation: 0,
      at: ISSUED_AT,
      run: null,
      coreClaimHash: 'hash-2',
    })
    // The same epoch read again after a restart, and an already confirmed credential: settled.
    p.deliver(encodeConfirmRequest(confirmRequest({ epoch: 5 })))
    p.deliver(
      encodeConfirmRequest(
        confirmRequest({ idempotencyKey: 'key-2', orderingKey: 'b', coreClaimHash: 'hash-2' }),
      ),
    )
    await vi.advanceTimersByTimeAsync(5_000)
    expect(p.polls).toEqual([])
    expect(p.committedOffset()).toBe(2)

    p.deliver(encodeConfirmRequest(confirmRequest({ epoch: 6 })))
    await vi.advanceTimersByTimeAsync(5_000)
    expect(p.events(TOPICS.onchain)).toMatchObject([{ idempotencyKey: 'key-1' }])
    expect(p.committedOffset()).toBe(3)
  })

  it("confirms a credential whose key holds another credential's entry (the same content on two input partitions)", async () => {
    const p = confirmPartition(() => answer('ONCHAIN'))
    p.worker.ledger.set('key-1', timedOutEntry({ coreClaimHash: 'hash-0' }))
    p.deliver(encodeConfirmRequest(confirmRequest()))
    await vi.advanceTimersByTimeAsync(5_000)
    expect(p.events(TOPICS.onchain)).toMatchObject([{ coreClaimHash: 'hash-1' }])
  })

  it("records a redrive's confirmation as ONCHAIN in the ledger, so a later redrive does not confirm it again", async () => {
    const first = confirmPartition(() => answer('ONCHAIN'))
    first.deliver(encodeConfirmRequest(confirmRequest({ epoch: 6 })))
    await vi.advanceTimersByTimeAsync(5_000)
    expect(first.events(TOPICS.onchain)).toHaveLength(1)

    // The next owner restores the ledger from what was committed, then gets a newer redrive.
    const next = confirmPartition(() => answer('ONCHAIN'))
    next.restoreFrom(first)
    next.deliver(encodeConfirmRequest(confirmRequest({ epoch: 7 })))
    await vi.advanceTimersByTimeAsync(5_000)
    expect(next.events(TOPICS.onchain)).toEqual([])
    expect(next.committedOffset()).toBe(1)
  })

  it("holds no ONCHAIN entry in memory for a first confirmation, only for a redrive's: a long-running relay's heap does not grow with every credential confirmed", async () => {
    const p = confirmPartition(() => answer('ONCHAIN'))
    p.deliver(encodeConfirmRequest(confirmRequest()))
    p.deliver(encodeConfirmRequest(confirmRequest({ idempotencyKey: 'key-2', orderingKey: 'b' })))
    await vi.advanceTimersByTimeAsync(5_000)
    expect(p.events(TOPICS.onchain)).toHaveLength(2)
    expect(p.worker.ledger.size).toBe(0)

    p.deliver(encodeConfirmRequest(confirmRequest({ idempotencyKey: 'key-3', epoch: 6 })))
    await vi.advanceTimersByTimeAsync(5_000)
    expect(p.events(TOPICS.onchain)).toHaveLength(3)
    expect(p.worker.ledger.get('key-3')?.state).toBe('ONCHAIN')
    expect(p.worker.ledger.size).toBe(1)
  })
})

/** The confirm-ledger entry of a generation-0 credential whose confirmation timed out. */
function timedOutEntry(more: Partial<LedgerEntry>): LedgerEntry {
  return {
    state: LedgerState.confirmFailed,
    generation: 0,
    at: ISSUED_AT,
    run: null,
    code: 'CONFIRM_TIMEOUT',
    ...more,
  }
}
