import { describe, expect, it } from 'vitest'
import { buildFailed, failure } from '../../src/domain/build-output-events.js'
import { createInputDecoder } from '../../src/kafka/input-decoder.js'
import type { RelayError } from '../../src/errors/relay-error.js'

/**
 * The failure: a malformed record that holds an email with a non-ASCII domain
 * (`bo@exämple.com`, a valid internationalised address) is quoted in its credential.failed
 * message with the non-ASCII escaped first (message-text.ts quoteText: `bo@ex\u00e4mple.com`);
 * maskEmailsIn (mask-email.ts, applied afterwards by failure()) no longer sees an address in the
 * escaped text, so the email is published to credential.failed unmasked. The regression test for
 * ASCII emails (test/integration/regression-email-in-failure-message.test.ts) passes because its
 * address survives escaping unchanged.
 */
describe('output, an internationalised email in a credential.failed message', () => {
  it('is masked like an ASCII one', async () => {
    const decoder = createInputDecoder({ registry: null, maxRecordBytes: 1024 })
    const value = Buffer.from('{"user":{"email":"bo@exämple.com"}', 'utf8')
    const err = (await decoder
      .decode({
        topic: 't',
        partition: 0,
        offset: '0',
        key: null,
        value,
        headers: {},
        timestamp: '0',
      })
      .catch((e: unknown) => e)) as RelayError
    expect(err.code).toBe('INPUT_UNDECODABLE')
    // What the issue stage publishes (issue-outcomes.ts inputFailureWrites).
    const event = buildFailed({
      stage: 'decode',
      idempotencyKey: null,
      generation: 0,
      route: null,
      program: null,
      source: { topic: 't', partition: 0, offset: '0', eventId: null },
      failure: failure(err.code, err.message, null, 0),
      at: new Date(0),
    })
    const published = JSON.stringify(event)
    expect(published).not.toMatch(/bo@ex/)
  })
})
