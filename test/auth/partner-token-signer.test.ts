import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { generatePartnerKey } from '../../src/auth/generate-partner-key.js'
import { loadSigningKey } from '../../src/auth/load-signing-key.js'
import { createPartnerTokenSigner } from '../../src/auth/partner-token-signer.js'

async function keyFor(alg: 'ES256' | 'RS256') {
  const generated = await generatePartnerKey({ alg, kid: `kid-${alg}` })
  return loadSigningKey({
    source: { kind: 'text', text: generated.privateKeyPem },
    kid: generated.kid,
  })
}

describe('createPartnerTokenSigner', () => {
  it.each(['ES256', 'RS256'] as const)(
    'signs %s tokens with the documented header and claims',
    async (alg) => {
      const key = await keyFor(alg)
      const now = Date.parse('2026-01-19T07:18:45Z')
      const signer = createPartnerTokenSigner({ key, partnerId: 'partner-1', now: () => now })
      const { token, expiresAtMs } = await signer.sign('alice@example.com')

      expect(decodeProtectedHeader(token)).toEqual({ alg, kid: `kid-${alg}`, typ: 'JWT' })
      const { payload } = await jwtVerify(token, await importJWK(key.publicJwk, alg), {
        currentDate: new Date(now),
      })
      expect(payload).toEqual({
        partnerId: 'partner-1',
        scope: 'issue on-behalf',
        email: 'alice@example.com',
        iat: now / 1000,
        exp: now / 1000 + 300,
      })
      expect(expiresAtMs).toBe(now + 300_000)
    },
  )

  it('never dates a token in the future: iat is the current second, rounded down', async () => {
    const now = Date.parse('2026-01-19T07:18:45.999Z')
    const signer = createPartnerTokenSigner({
      key: await keyFor('ES256'),
      partnerId: 'p',
      now: () => now,
    })
    const { token, expiresAtMs } = await signer.sign('bob@example.com')
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
      iat: number
    }
    // A verifier that refuses tokens issued "later" than its clock must accept it at `now`.
    expect(payload.iat).toBe(Date.parse('2026-01-19T07:18:45Z') / 1000)
    expect(expiresAtMs).toBe(Date.parse('2026-01-19T07:23:45Z'))
  })

  it('uses a configured scope and lifetime', async () => {
    const signer = createPartnerTokenSigner({
      key: await keyFor('ES256'),
      partnerId: 'p',
      scope: 'issue',
      ttlSeconds: 900,
    })
    const { token } = await signer.sign('bob@example.com')
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
      scope: string
      exp: number
      iat: number
    }
    expect(payload.scope).toBe('issue')
    expect(payload.exp - payload.iat).toBe(900)
  })

  it.each([901, 3600, 0, -1, 1.5])(
    'refuses a lifetime of %s s at construction',
    async (ttlSeconds) => {
      const key = await keyFor('ES256')
      expect(() => createPartnerTokenSigner({ key, partnerId: 'p', ttlSeconds })).toThrow(
        /1 to 900 \(15 min\)/,
      )
    },
  )

  it('refuses an empty partnerId or scope', async () => {
    const key = await keyFor('ES256')
    expect(() => createPartnerTokenSigner({ key, partnerId: ' ' })).toThrow(/Partner ID is empty/)
    expect(() => createPartnerTokenSigner({ key, partnerId: 'p', scope: '' })).toThrow(
      /scope is empty/,
    )
  })
})
