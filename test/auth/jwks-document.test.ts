import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createJwksDocument } from '../../src/auth/jwks-document.js'
import { PRIVATE_JWK_MEMBERS } from '../../src/auth/private-jwk-members.js'

const privateJwk = (type: 'ec' | 'rsa') =>
  (type === 'ec'
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : generateKeyPairSync('rsa', { modulusLength: 2048 })
  ).privateKey.export({ format: 'jwk' }) as Record<string, unknown>

describe('createJwksDocument', () => {
  it('publishes active and previous keys with public members only, even when given private JWKs', () => {
    const active = {
      ...privateJwk('ec'),
      kid: 'active',
      alg: 'ES256',
      key_ops: ['sign'],
      ext: true,
    }
    const previous = { ...privateJwk('rsa'), kid: 'previous', alg: 'RS256' }
    expect(previous).toHaveProperty('qi')

    const jwks = createJwksDocument([active, previous])

    expect(jwks.keys.map((k) => k.kid)).toEqual(['active', 'previous'])
    expect(Object.keys(jwks.keys[0]!).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'])
    expect(Object.keys(jwks.keys[1]!).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use'])
    for (const key of jwks.keys) {
      expect(key.use).toBe('sig')
      for (const member of PRIVATE_JWK_MEMBERS) expect(key).not.toHaveProperty(member)
    }
    // The serialised document too: what goes over the wire.
    expect(JSON.stringify(jwks)).not.toMatch(/"(d|p|q|dp|dq|qi|k)":/)
  })

  it('refuses entries without kid or alg, and duplicate kids', () => {
    const jwk = privateJwk('ec')
    expect(() => createJwksDocument([{ ...jwk, alg: 'ES256' }])).toThrow(/kid/)
    expect(() => createJwksDocument([{ ...jwk, kid: 'a' }])).toThrow(/alg/)
    expect(() => createJwksDocument([{ ...jwk, kid: '', alg: 'ES256' }])).toThrow(/kid/)
    expect(() =>
      createJwksDocument([
        { ...jwk, kid: 'a', alg: 'ES256' },
        { ...jwk, kid: 'a', alg: 'ES256' },
      ]),
    ).toThrow(/share the kid "a"/)
  })

  it('refuses an entry without kty, which no verifier could use', () => {
    const { kty: _kty, ...noKty } = privateJwk('ec')
    expect(() => createJwksDocument([{ ...noKty, kid: 'a', alg: 'ES256' }])).toThrow(
      /JWK "a" has no "kty" member/,
    )
  })
})
