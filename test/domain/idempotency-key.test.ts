import { hash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { canonicalJson } from '../../src/domain/canonical-json.js'
import {
  contentIdempotencyKey,
  eventIdempotencyKey,
  generationKey,
  holderKey,
} from '../../src/domain/idempotency-key.js'

const program = {
  issuerDid: 'did:air:id:test:5P44fsVUhPctDTWH2Nz26pZJFsg6CqyiAELTGeVQDB',
  credentialId: 'c21s70g0i54sn0023172Cv',
}

describe('content idempotency key', () => {
  it('is the same for the same content, whatever the key order or email case', () => {
    const a = contentIdempotencyKey(program, 'Ada@Example.com ', {
      age: 25,
      location: { country: 'US', city: 'NYC' },
    })
    const b = contentIdempotencyKey(program, 'ada@example.com', {
      location: { city: 'NYC', country: 'US' },
      age: 25,
    })
    expect(a).toBe(b)
    expect(a).toMatch(/^[0-9a-f]{64}$/)
  })

  it('changes with any part of the content, the user or the program', () => {
    const base = contentIdempotencyKey(program, 'ada@example.com', { age: 25 })
    expect(contentIdempotencyKey(program, 'ada@example.com', { age: 26 })).not.toBe(base)
    expect(contentIdempotencyKey(program, 'bob@example.com', { age: 25 })).not.toBe(base)
    expect(
      contentIdempotencyKey({ ...program, credentialId: 'other' }, 'ada@example.com', { age: 25 }),
    ).not.toBe(base)
    expect(
      contentIdempotencyKey({ ...program, issuerDid: 'did:air:id:test:other' }, 'ada@example.com', {
        age: 25,
      }),
    ).not.toBe(base)
  })

  it('tells true from false in a claim', () => {
    expect(contentIdempotencyKey(program, 'ada@example.com', { verified: true })).not.toBe(
      contentIdempotencyKey(program, 'ada@example.com', { verified: false }),
    )
  })

  it('is the SHA-256 of the versioned canonical input, so keys stay the same across releases', () => {
    // Ledgers hold these keys: if an upgrade changed them, a replay would issue every event again.
    const input = `["moca-relay/content/v1","${program.issuerDid}","${program.credentialId}","ada@example.com",{"age":25}]`
    expect(contentIdempotencyKey(program, 'Ada@example.com', { age: 25 })).toBe(
      hash('sha256', input, 'hex'),
    )
  })

  it('differs between content and event-id modes, and per generation', () => {
    expect(eventIdempotencyKey(program, 'evt-1')).not.toBe(eventIdempotencyKey(program, 'evt-2'))
    expect(eventIdempotencyKey(program, 'evt-1')).not.toBe(
      eventIdempotencyKey({ ...program, credentialId: 'other' }, 'evt-1'),
    )
    expect(eventIdempotencyKey(program, 'evt-1')).not.toBe(
      eventIdempotencyKey({ ...program, issuerDid: 'did:air:id:test:other' }, 'evt-1'),
    )
    const key = eventIdempotencyKey(program, 'evt-1')
    expect(generationKey(key, 0)).toBe(key)
    expect(generationKey(key, 1)).toBe(`${key}.g1`)
  })
})

describe('holder key', () => {
  it('names one credential slot per user and program, whatever the email case', () => {
    const slot = holderKey(program, 'ada@example.com')
    expect(holderKey(program, ' Ada@Example.com')).toBe(slot)
    expect(holderKey(program, 'bob@example.com')).not.toBe(slot)
    expect(holderKey({ ...program, credentialId: 'other' }, 'ada@example.com')).not.toBe(slot)
    expect(
      holderKey({ ...program, issuerDid: 'did:air:id:test:other' }, 'ada@example.com'),
    ).not.toBe(slot)
  })
})

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined fields', () => {
    expect(canonicalJson({ b: [{ d: 1, c: undefined, a: 'x' }], a: null })).toBe(
      '{"a":null,"b":[{"a":"x","d":1}]}',
    )
  })
  it('writes an undefined array element as null, as the request body sent to MocaChain does', () => {
    const subject = { tags: ['a', undefined, 'b'] }
    expect(canonicalJson(subject)).toBe('{"tags":["a",null,"b"]}')
    expect(canonicalJson(subject)).toBe(canonicalJson(JSON.parse(JSON.stringify(subject))))
  })
  it('refuses values JSON cannot carry', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError)
  })
})
