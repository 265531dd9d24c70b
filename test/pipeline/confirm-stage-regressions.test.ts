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

/** Confirm-stage bugs found by reviews, each with what it was; the real worker, scripted MocaChain. */
describe('confirm stage regressions', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: ISSUED_AT })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  describe('failure.attempts of credential.failed', () => {
    // Was: every credential.failed of the confirm stage says `failure.attempts: 1`
    // (confirm-stage.ts passes a literal 1 to failure()), whatever number of status calls it made.
    // The published contract (schemas/credential.failed.*) defines attempts as "how many calls to
    // MocaChain were made before giving up", so a CONFIRM_TIMEOUT after seven polls misreports one.
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

  describe("a redrive's credential.failed", () => {
    // Was: the confirm stage's credential.failed id is `<key>:failed:confirm` for every epoch
    // (confirm-stage.ts calls buildFailed without anything that tells a redrive's confirmation from
    // the first one). A redrive of a CONFIRM_TIMEOUT that ends in a different failure (here
    // MocaChain no longer knows the hash) publishes a new outcome under the old event's id and
    // ce_id, so a consumer that deduplicates on id, as the schema tells it to, drops the redrive's
    // outcome. The issue stage avoids this for its redrives by adding the run to the id.
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
      expect(failed.map((e) => e.failure.code)).toEqual([
        'CONFIRM_TIMEOUT',
        'MOCA_STATUS_NOT_FOUND',
      ])
      expect(failed[1]!.id).not.toBe(failed[0]!.id)
    })
  })

  describe('a redrive confirmation that timed out again', () => {
    // Was: a redrive's confirmation (epoch > 0) that times out again writes a CONFIRM_FAILED ledger
    // entry without its epoch (confirm-stage.ts builds the entry with no `epoch` field), so the
    // settled check `(prior.epoch ?? 0) >= epoch` is false for that very request. When the next
    // owner reads the record again (its offset was not yet committed: the watermark waits for older
    // records, or the relay died after the transaction), it polls MocaChain for another full
    // deadline and publishes a second credential.failed for the same credential.
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

  describe('a restart after a systemic outage', () => {
    // Was: time spent waiting at an open circuit (MocaChain answering 401/403) must not count
    // toward the confirm deadline — "systemic errors never turn into credential.failed"
    // (docs/architecture.md). confirm-stage.ts keeps that waited time only in memory
    // (runWithRetry's local `startedAt`), and the deadline is recomputed from the request's
    // issuedAt. After a restart or rebalance during (or after) an outage longer than the deadline,
    // the next owner's first poll hears WAIT_ONCHAIN, finds the deadline long gone and publishes
    // credential.failed CONFIRM_TIMEOUT for a credential that reaches ONCHAIN a moment later.
    // Without the restart the same story ends in credential.onchain
    // (test/pipeline/confirm-stage.test.ts, "waits out a systemic outage…").
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

  describe('an unknown vcStatus', () => {
    // An unknown vcStatus is MocaChain's text: it reached the CONFIRM_TIMEOUT message of
    // credential.failed unquoted (control characters, an email, any length), and a warning was
    // logged on every poll that saw it.
    it('is quoted in the CONFIRM_TIMEOUT message and warned about once while it stays the same', async () => {
      const odd = `PENDING\r\nFORGED log line for bob@example.com ${'x'.repeat(200)}`
      const p = confirmPartition(() => answer(odd))
      p.deliver(encodeConfirmRequest(confirmRequest()))
      await vi.advanceTimersByTimeAsync(25_000)

      const [failed] = p.events(TOPICS.failed) as { failure: { code: string; message: string } }[]
      expect(failed?.failure.code).toBe('CONFIRM_TIMEOUT')
      expect(failed?.failure.message).toContain(
        'last status: PENDING\\r\\nFORGED log line for b***@',
      )
      expect(failed?.failure.message).not.toContain('\n')
      expect(failed?.failure.message).not.toContain('x'.repeat(60))
      expect(p.polls.length).toBeGreaterThan(2)
      const warnings = p.logLines.filter(
        (l) => l.msg === 'MocaChain reported an unknown vcStatus; still polling',
      )
      expect(warnings).toHaveLength(1)
    })
  })
})
