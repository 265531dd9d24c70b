import { SchemaType } from '@kafkajs/confluent-schema-registry'
import { schemaFromConfluentSchema } from '@kafkajs/confluent-schema-registry/dist/schemaTypeResolver.js'
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import type { OutputEventType } from '../../src/domain/output-events.js'
import { readOutputSchema } from '../../src/kafka/output-schemas.js'
import { createMocaClient } from '../../src/moca/http-moca-client.js'
import { encodeConfirmRequest } from '../../src/pipeline/confirm-request.js'
import { MocaError } from '../../src/moca/moca-error.js'
import {
  answer,
  confirmPartition,
  confirmRequest,
  ISSUED_AT,
  TOPICS,
} from '../support/confirm-harness.js'
import { startScriptedServer } from '../support/raw-http.js'

/**
 * Was: the status answer was read as strictly as the documented example, field by field, so an
 * ONCHAIN answer that carried everything credential.onchain needs (its coreClaimHash and vcStatus)
 * but a vcId as a number (an undocumented type change; the docs give shapes, not guarantees) was
 * MOCA_UNEXPECTED_RESPONSE. The credential was polled to the deadline and failed CONFIRM_TIMEOUT
 * with "last status: no answer", although MocaChain had answered ONCHAIN at every poll.
 */
describe('a status answer read through the real client', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  /** The real client's answer (value or error) to one status call for hash-1, as `body`. */
  async function realAnswer(body: unknown): Promise<unknown> {
    const server = await startScriptedServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    })
    const client = createMocaClient({
      options: { baseUrl: server.baseUrl },
      tokens: { tokenFor: async () => 'x.y.z' },
    })
    onTestFinished(() => client.close())
    return client
      .status({ email: 'a@example.com', coreClaimHash: 'hash-1' })
      .catch((e: unknown) => e)
  }

  async function confirmWith(result: unknown) {
    vi.useFakeTimers({ now: ISSUED_AT })
    const p = confirmPartition(() => result as never)
    p.deliver(encodeConfirmRequest(confirmRequest()))
    await vi.advanceTimersByTimeAsync(21_000)
    return p
  }

  it.each([
    ['a number', 12345, '12345'],
    ['an object (unreadable: published as not reported)', { id: 'c28t30c048pe502a3713w0' }, null],
  ])('confirms an ONCHAIN answer whose vcId is %s', async (_what, vcId, published) => {
    const p = await confirmWith(
      await realAnswer({
        coreClaimHash: 'hash-1',
        vcStatus: 'ONCHAIN',
        vcId,
        issuanceDate: '2026-01-19 07:18:45',
        // Optional fields the relay does not use, in types the docs do not give.
        issuerDid: 42,
        expirationDate: 0,
        issuerId: 7,
        schemeId: { id: 's' },
        vcDstorageId: 9,
      }),
    )

    expect(p.events(TOPICS.failed)).toEqual([])
    const onchain = p.events(TOPICS.onchain)
    expect(onchain).toMatchObject([
      { coreClaimHash: 'hash-1', vcId: published, issuanceDate: '2026-01-19 07:18:45' },
    ])
    expect(await schemaErrors('credential.onchain', onchain[0])).toEqual([])
  })

  it('confirms an ONCHAIN answer without a vcId and with an issuanceDate that is no text: both published as not reported (null)', async () => {
    const p = await confirmWith(
      await realAnswer({ coreClaimHash: 'hash-1', vcStatus: 'ONCHAIN', issuanceDate: 20260119 }),
    )
    expect(p.events(TOPICS.onchain)).toMatchObject([{ vcId: null, issuanceDate: null }])
  })

  it('still rejects an answer without a vcStatus, and CONFIRM_TIMEOUT says what the last answer was', async () => {
    const p = await confirmWith(await realAnswer({ coreClaimHash: 'hash-1', vcId: 'c1' }))

    expect(p.events(TOPICS.onchain)).toEqual([])
    const [failed] = p.events(TOPICS.failed) as { failure: { code: string; message: string } }[]
    expect(failed?.failure.code).toBe('CONFIRM_TIMEOUT')
    expect(failed?.failure.message).toContain(
      'last answer: MocaChain answered 200 to status, but the body does not match the documented shape (vcStatus:',
    )
    expect(failed?.failure.message).not.toContain('no answer')
  })

  it('names the last answer MocaChain gave, not a later call that got none, nor "no answer" when none came', async () => {
    vi.useFakeTimers({ now: ISSUED_AT })
    const unanswered = new MocaError(
      'MOCA_UNAVAILABLE',
      'MocaChain did not answer status in time',
      {
        operation: 'status',
        classification: 'retryable',
        httpStatus: null,
        uncertain: false,
        mayLandLater: false,
        retryAfterMs: null,
        mocaMessage: null,
        duplicateConflict: false,
      },
    )
    const answered = confirmPartition((ms) => (ms < 2000 ? answer('WAIT_ONCHAIN') : unanswered))
    answered.deliver(encodeConfirmRequest(confirmRequest()))
    const never = confirmPartition(() => unanswered)
    never.deliver(encodeConfirmRequest(confirmRequest()))
    await vi.advanceTimersByTimeAsync(21_000)

    const message = (p: typeof answered) =>
      (p.events(TOPICS.failed) as { failure: { message: string } }[])[0]?.failure.message
    expect(message(answered)).toContain('last answer: WAIT_ONCHAIN,')
    expect(message(never)).toContain('last answer: none, MocaChain did not answer status in time,')
  })
})

/** The JSON Schema of an output event, checked with the registry client's own ajv setup. */
async function schemaErrors(type: OutputEventType, event: unknown): Promise<string[]> {
  const schema = schemaFromConfluentSchema({
    type: SchemaType.JSON,
    schema: await readOutputSchema(type, 'json-schema'),
  })
  const errors: string[] = []
  schema.isValid(event as object, {
    errorHook: (path, message) => errors.push(`${path.join('')} ${String(message)}`),
  })
  return errors
}
