import { describe, expect, it } from 'vitest'
import { RouteConfig } from '../../src/config/relay-config.js'
import { compileRoutes } from '../../src/domain/compile-routes.js'
import { toCommand } from '../../src/domain/map-event.js'
import { createInputDecoder } from '../../src/kafka/input-decoder.js'
import { coordinatesOf, type InputRecord } from '../../src/kafka/input-record.js'

/**
 * The failure: record keys were decoded with `key.toString('utf8')`, which replaces every byte
 * that is not UTF-8 with U+FFFD. The Java LongSerializer keys 128 and 129
 * (0x0000000000000080, 0x0000000000000081) both became "\0\0\0\0\0\0\0\uFFFD", so a route keyed
 * on `$event.key` issued the first and skipped the second as already issued.
 */
const program = { issuerDid: 'did:air:id:test:issuer', credentialId: 'c-kyc' }
const routes = compileRoutes([
  RouteConfig.parse({
    name: 'members',
    topics: ['t'],
    program,
    email: 'email',
    credentialSubject: { memberId: '$event.key' },
    idempotency: { mode: 'event-id', eventId: '$event.key' },
    ordering: 'record-key',
  }),
])
const decoder = createInputDecoder({ registry: null, maxRecordBytes: 1_000_000 })

async function commandFor(key: Buffer | null) {
  const record: InputRecord = {
    topic: 't',
    partition: 0,
    offset: '1',
    key,
    value: Buffer.from('{"email":"a@example.com"}'),
    headers: {},
    timestamp: '0',
  }
  const outcome = await toCommand(await decoder.decode(record), coordinatesOf(record), routes)
  if (outcome.kind !== 'command') throw new Error(`expected a command, got ${outcome.kind}`)
  return outcome.command
}

describe('mapping, a record key that is not UTF-8', () => {
  it('gives two different binary keys two idempotency keys, and shows each in base64', async () => {
    const k128 = await commandFor(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0x80]))
    const k129 = await commandFor(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0x81]))
    expect(k128.idempotencyKey).not.toBe(k129.idempotencyKey)
    expect(k128.orderingKey).not.toBe(k129.orderingKey)
    expect(k128.credentialSubject).toEqual({ memberId: 'base64:AAAAAAAAAIA=' })
    expect(k129.credentialSubject).toEqual({ memberId: 'base64:AAAAAAAAAIE=' })
  })

  it('keeps a UTF-8 key as its text, byte order mark included', async () => {
    expect((await commandFor(Buffer.from('user-1'))).credentialSubject).toEqual({
      memberId: 'user-1',
    })
    // A leading BOM is part of the key: dropping it would make "\uFEFFu" and "u" one key.
    const withBom = await commandFor(Buffer.from('\uFEFFu'))
    const without = await commandFor(Buffer.from('u'))
    expect(withBom.credentialSubject).toEqual({ memberId: '\uFEFFu' })
    expect(withBom.idempotencyKey).not.toBe(without.idempotencyKey)
  })
})
