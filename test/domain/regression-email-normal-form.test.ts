import { describe, expect, it } from 'vitest'
import type { DomainEvent } from '../../src/domain/domain-event.js'
import { holderKey } from '../../src/domain/idempotency-key.js'
import { toCommand, type MappingOutcome } from '../../src/domain/map-event.js'
import { KYC_ROUTE_PROGRAM as program, kycRoute } from '../support/kyc-route.js'

/**
 * The failure: one email written in two Unicode forms (`José@example.com` with a precomposed é,
 * or with e + U+0301), or with its domain as Unicode and as punycode (`a@bücher.example`,
 * `a@xn--bcher-kva.example`), gave two idempotency keys, two holder keys and two ordering keys:
 * normalizeEmail only trimmed and lowercased. The same mailbox got two credentials (the second
 * revoking the first), issued concurrently.
 */
const route = kycRoute({ topics: ['kyc.completed'] })

function event(email: string): DomainEvent {
  return {
    id: 'evt-1',
    type: 't',
    source: '/s',
    time: null,
    subject: null,
    data: { email, level: 1 },
    traceparent: null,
    tracestate: null,
    format: 'json',
  }
}

async function commandFor(email: string) {
  const at = { topic: 'kyc.completed', partition: 0, offset: '7', key: null }
  const outcome: MappingOutcome = await toCommand(event(email), at, [route])
  if (outcome.kind !== 'command') throw new Error(`expected a command, got ${outcome.kind}`)
  return outcome.command
}

describe('mapping, one email in two Unicode forms', () => {
  it('gives one idempotency key, one holder key and one ordering key for NFC and NFD', async () => {
    const composed = await commandFor('Jos\u00e9@example.com')
    const decomposed = await commandFor('Jose\u0301@example.com')
    expect(decomposed.idempotencyKey).toBe(composed.idempotencyKey)
    expect(decomposed.orderingKey).toBe(composed.orderingKey)
    expect(holderKey(program, decomposed.email)).toBe(holderKey(program, composed.email))
    // MocaChain still gets the email the producer wrote.
    expect(composed.email).toBe('Jos\u00e9@example.com')
    expect(decomposed.email).toBe('Jose\u0301@example.com')
  })

  it('gives one key for a domain written in Unicode and in punycode', async () => {
    const unicode = await commandFor('a@b\u00fccher.example')
    const punycode = await commandFor('a@xn--bcher-kva.example')
    const upper = await commandFor('a@B\u00dcCHER.example')
    expect(unicode.idempotencyKey).toBe(punycode.idempotencyKey)
    expect(upper.idempotencyKey).toBe(punycode.idempotencyKey)
    expect(unicode.orderingKey).toBe(punycode.orderingKey)
    expect(holderKey(program, unicode.email)).toBe(holderKey(program, punycode.email))
    expect(unicode.email).toBe('a@b\u00fccher.example')
  })

  it('keeps the keys of emails already in normal form', async () => {
    // Ledgers hold these keys: an email that was NFC with an ASCII domain must key as before.
    const ascii = await commandFor('Ada@Example.com')
    expect(ascii.orderingKey).toBe('ada@example.com')
    const nfc = await commandFor('Jos\u00e9@example.com')
    expect(nfc.orderingKey).toBe('jos\u00e9@example.com')
  })
})
