import { SchemaType } from '@kafkajs/confluent-schema-registry'
import { schemaFromConfluentSchema } from '@kafkajs/confluent-schema-registry/dist/schemaTypeResolver.js'
import { describe, expect, it, vi } from 'vitest'
import { readOutputSchema } from '../../src/kafka/output-schemas.js'
import { encodeConfirmRequest } from '../../src/pipeline/confirm-request.js'
import { noopMetrics } from '../../src/pipeline/relay-metrics.js'
import { mocaFailure } from '../support/moca-failure.js'
import {
  answer,
  confirmPartition,
  confirmRequest,
  ISSUED_AT,
  TOPICS,
} from '../support/confirm-harness.js'
import { useFakeTimersFrom } from '../support/fake-timers.js'

/** Confirm-stage bugs found by reviews, each with what it was; the real worker, scripted MocaChain. */
describe('confirm stage regressions', () => {
  useFakeTimersFrom(ISSUED_AT)

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
        'last answer: PENDING\\r\\nFORGED log line for b***@',
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

/** The JSON Schema of credential.failed, checked with the registry client's own ajv setup. */
async function failedSchemaErrors(event: unknown): Promise<string[]> {
  const schema = schemaFromConfluentSchema({
    type: SchemaType.JSON,
    schema: await readOutputSchema('credential.failed', 'json-schema'),
  })
  const errors: string[] = []
  schema.isValid(event as object, {
    errorHook: (path, message) => errors.push(`${path.join('')} ${String(message)}`),
  })
  return errors
}

const QUEUE = { topic: 'relay.confirm-queue', partition: 0 }

describe('a confirm-queue record this relay cannot read', () => {
  // Was: confirm-stage.ts logged "not a confirm request this version understands; skipped" and
  // committed past it. That record is the only trace of an issued credential's confirmation: its
  // credential.onchain or credential.failed was never published and nothing said which credential
  // it was (invariant 1, nothing lost). And decodeConfirmRequest let through records without
  // orderingKey, route, userUuid or a well-formed source, which later code then used as if they
  // were there: polled, and published an onchain event missing fields its schema requires.
  useFakeTimersFrom(ISSUED_AT)

  it.each([
    ['is not JSON', Buffer.from('{"v":1,"idempotencyKey":"key-1",'), 'not JSON'],
    ['has no value (a tombstone)', null, 'no value'],
    ['is JSON but not an object', Buffer.from('[1]'), 'not a JSON object'],
    ['has no version', Buffer.from(JSON.stringify({ kind: 'something else' })), 'v:'],
  ])(
    'ends one that %s as credential.failed naming the record, and commits past it',
    async (_label, value, reason) => {
      const p = confirmPartition(() => answer('ONCHAIN'))
      p.deliver(value)
      await vi.advanceTimersByTimeAsync(5_000)

      const failed = p.events(TOPICS.failed)
      expect(failed).toMatchObject([
        {
          stage: 'confirm',
          idempotencyKey: null,
          source: { ...QUEUE, offset: '0', eventId: null },
          failure: { code: 'CONFIRM_REQUEST_INVALID', httpStatus: null, attempts: 0 },
        },
      ])
      const { message } = (failed[0] as { failure: { message: string } }).failure
      expect(message).toContain('relay.confirm-queue')
      expect(message).toContain(reason)
      expect(await failedSchemaErrors(failed[0])).toEqual([])
      expect(p.polls).toEqual([])
      expect(p.committedOffset()).toBe(1)
    },
  )

  it('keeps what it can read of a request missing the email: a redrive finds the input record by its source', async () => {
    const p = confirmPartition(() => answer('ONCHAIN'))
    const { email: _email, ...withoutEmail } = confirmRequest()
    p.deliver(Buffer.from(JSON.stringify(withoutEmail)))
    await vi.advanceTimersByTimeAsync(5_000)

    const failed = p.events(TOPICS.failed)
    expect(failed).toEqual([
      expect.objectContaining({
        stage: 'confirm',
        idempotencyKey: 'key-1',
        generation: 0,
        route: 'kyc',
        credentialId: 'program-1',
        issuerDid: 'did:air:issuer',
        source: confirmRequest().source,
        coreClaimHash: 'hash-1',
        userUuid: 'user-1',
        failure: expect.objectContaining({ code: 'CONFIRM_REQUEST_INVALID' }),
      }),
    ])
    expect((failed[0] as { failure: { message: string } }).failure.message).toMatch(
      /relay\.confirm-queue.*\bemail\b/,
    )
    expect(await failedSchemaErrors(failed[0])).toEqual([])
    expect(p.polls).toEqual([])
    expect(p.committedOffset()).toBe(1)
  })

  it("gives a corrupt copy's failure an id of its own, so the real request's outcome is not deduplicated away", async () => {
    // Was: both events had the id `key-1:g0:failed:confirm` (and that ce_id), and a consumer that
    // deduplicates on id, as the schema tells it to, dropped whichever came second.
    const p = confirmPartition(() =>
      mocaFailure('status', 'MOCA_STATUS_NOT_FOUND', 'terminal', 404),
    )
    const { email: _email, ...withoutEmail } = confirmRequest()
    p.deliver(Buffer.from(JSON.stringify(withoutEmail)))
    p.deliver(encodeConfirmRequest(confirmRequest()))
    await vi.advanceTimersByTimeAsync(5_000)

    const failed = p.events(TOPICS.failed) as { id: string; failure: { code: string } }[]
    expect(failed.map((e) => e.failure.code)).toEqual([
      'CONFIRM_REQUEST_INVALID',
      'MOCA_STATUS_NOT_FOUND',
    ])
    expect(new Set(failed.map((e) => e.id)).size).toBe(2)
    expect(failed[0]?.id).toMatch(/:q0-0$/)
  })

  it.each([
    ['orderingKey', { orderingKey: undefined }],
    ['route', { route: undefined }],
    ['userUuid', { userUuid: undefined }],
    ['coreClaimHash', { coreClaimHash: 42 }],
    ['program.credentialId', { program: { issuerDid: 'did:air:issuer' } }],
    ['source.offset', { source: { topic: 'kyc.events', partition: 0, offset: 7, eventId: null } }],
    ['source.partition', { source: { topic: 'kyc.events', partition: -1, offset: '7' } }],
    ['generation', { generation: -1 }],
    ['issuedAt', { issuedAt: '2025-01-01T00:00:00Z' }],
    ['epoch', { epoch: 'later' }],
  ])(
    'fails a request whose %s is missing or malformed, naming that field, without polling',
    async (field, change) => {
      const p = confirmPartition(() => answer('ONCHAIN'))
      p.deliver(Buffer.from(JSON.stringify({ ...confirmRequest(), ...change })))
      await vi.advanceTimersByTimeAsync(5_000)

      expect(p.polls).toEqual([])
      expect(p.events(TOPICS.onchain)).toEqual([])
      const failed = p.events(TOPICS.failed)
      expect(failed).toMatchObject([
        {
          stage: 'confirm',
          idempotencyKey: 'key-1',
          failure: { code: 'CONFIRM_REQUEST_INVALID' },
        },
      ])
      expect((failed[0] as { failure: { message: string } }).failure.message).toContain(`${field}:`)
      expect(await failedSchemaErrors(failed[0])).toEqual([])
      expect(p.committedOffset()).toBe(1)
    },
  )

  it('publishes its credential.failed once when the next owner reads it again', async () => {
    // The record behind a slower one: its failure commits, its offset does not.
    const slow = confirmRequest({ idempotencyKey: 'key-slow', coreClaimHash: 'hash-slow' })
    const unreadable = Buffer.from('not json')
    const first = confirmPartition(() => answer('WAIT_ONCHAIN'))
    first.deliver(encodeConfirmRequest(slow))
    first.deliver(unreadable)
    await vi.advanceTimersByTimeAsync(1_500)
    expect(first.events(TOPICS.failed)).toHaveLength(1)
    expect(first.committedOffset()).toBeNull()
    await first.worker.stop(0)

    const next = confirmPartition(() => answer('WAIT_ONCHAIN'))
    next.restoreFrom(first)
    next.deliver(encodeConfirmRequest(slow))
    next.deliver(unreadable)
    await vi.advanceTimersByTimeAsync(1_500)
    expect(next.events(TOPICS.failed)).toEqual([])
  })
})

describe('a confirm-queue record written by a newer relay', () => {
  // Was: skipped and committed past like a corrupt record. In a rolling upgrade a newer relay's
  // issue stage writes requests of a newer version that an older relay's confirm stage may read
  // first: the credential's final event was lost for good, when the newer relay, taking the
  // partition over, could have confirmed it.
  useFakeTimersFrom(ISSUED_AT)

  it('is neither failed nor passed: the partition stops at it, with a warning that says to upgrade, once the records before it are done', async () => {
    const polled: string[] = []
    const fatal: unknown[] = []
    const outcomes: string[] = []
    const p = confirmPartition(
      (ms, coreClaimHash) => {
        polled.push(coreClaimHash)
        return answer(ms < 2000 ? 'WAIT_ONCHAIN' : 'ONCHAIN', coreClaimHash)
      },
      {
        onFatal: (err) => fatal.push(err),
        metrics: {
          ...noopMetrics,
          outcome: (_stage, _route, outcome, code) => outcomes.push(`${outcome} ${code ?? ''}`),
        },
      },
    )
    const before = confirmRequest({ idempotencyKey: 'key-a', coreClaimHash: 'hash-a' })
    const newer = { ...confirmRequest({ idempotencyKey: 'key-b', coreClaimHash: 'hash-b' }), v: 2 }
    const after = confirmRequest({ idempotencyKey: 'key-c', coreClaimHash: 'hash-c' })
    p.deliver(encodeConfirmRequest(before))
    p.deliver(Buffer.from(JSON.stringify(newer)))
    p.deliver(encodeConfirmRequest(after))
    await vi.advanceTimersByTimeAsync(5_000)

    expect(p.events(TOPICS.onchain)).toMatchObject([{ idempotencyKey: 'key-a' }])
    expect(p.events(TOPICS.failed)).toEqual([])
    expect(new Set(polled)).toEqual(new Set(['hash-a']))
    expect(p.committedOffset()).toBe(1)
    expect(fatal).toMatchObject([
      { code: 'CONFIRM_REQUEST_NEWER_VERSION', classification: 'systemic' },
    ])
    expect(outcomes).toContain('blocked CONFIRM_REQUEST_NEWER_VERSION')
    // Said when the record is read; the stop itself is the runner's error line, not the stage's.
    expect(p.logLines.filter((l) => l.level === 'error')).toEqual([])
    const warnings = p.logLines.filter((l) => l.level === 'warn')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatchObject({
      offset: '1',
      version: 2,
      code: 'CONFIRM_REQUEST_NEWER_VERSION',
    })
    expect(String(warnings[0]!.msg)).toMatch(/written by a newer relay: upgrade this relay/)
  })
})
