import { createPublicKey, generateKeyPairSync } from 'node:crypto'
import { base64url, SignJWT, type JWTPayload } from 'jose'
import { describe, expect, it } from 'vitest'
import { generatePartnerKey } from '../../src/auth/generate-partner-key.js'
import { createJwksDocument } from '../../src/auth/jwks-document.js'
import { loadSigningKey, type SigningKey } from '../../src/auth/load-signing-key.js'
import { createPartnerTokenSigner } from '../../src/auth/partner-token-signer.js'
import { captureLogs } from '../support/capture-logs.js'
import { rawCall } from '../support/raw-http.js'
import {
  PARTNER_ID,
  PROGRAM,
  SUBJECT,
  startSandboxFixture,
  uniqueEmail,
  type SandboxFixture,
} from '../support/sandbox-fixture.js'

const body = { ...PROGRAM, credentialSubject: SUBJECT, onDuplicate: 'revoke' }

async function issueWith(f: SandboxFixture, token: string) {
  return rawCall(`${f.sandbox.url}/credentials/issue-on-behalf`, {
    headers: { 'x-partner-auth': token },
    body,
  })
}

function claims(overrides: JWTPayload = {}): JWTPayload {
  const iat = Math.floor(Date.now() / 1000)
  return {
    partnerId: PARTNER_ID,
    scope: 'issue on-behalf',
    email: uniqueEmail(),
    iat,
    exp: iat + 300,
    ...overrides,
  }
}

function sign(
  key: SigningKey,
  payload: JWTPayload,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header })
    .sign(key.privateKey)
}

async function newKey(alg: 'ES256' | 'RS256' = 'ES256', kid?: string): Promise<SigningKey> {
  const generated = await generatePartnerKey({ alg, kid })
  return loadSigningKey({
    source: { kind: 'text', text: generated.privateKeyPem },
    kid: generated.kid,
  })
}

function expect401(res: { status: number; json: unknown }, reason: RegExp): void {
  expect(res.status).toBe(401)
  expect(res.json).toMatchObject({
    error: 401,
    message: 'Invalid or expired Partner JWT, or JWKS mismatch.',
  })
  expect((res.json as { reason: string }).reason).toMatch(reason)
}

describe('sandbox authentication: tokens MocaChain must refuse (401)', () => {
  it('accepts a well-formed token (so the refusals below mean something)', async () => {
    const f = await startSandboxFixture()
    expect((await issueWith(f, await sign(f.key, claims()))).status).toBe(200)
  })

  it('an expired token', async () => {
    const f = await startSandboxFixture()
    const iat = Math.floor(Date.now() / 1000) - 600
    expect401(await issueWith(f, await sign(f.key, claims({ iat, exp: iat + 300 }))), /expired/)
  })

  it('a token that expires after its verification was cached', async () => {
    const clock = { now: Date.now() }
    // The JWKS stays fresh throughout: only the token's own exp can end the cached verification.
    const f = await startSandboxFixture({
      now: () => clock.now,
      config: { jwks: { cacheMaxAgeMs: 600_000 } },
    })
    const iat = Math.floor(clock.now / 1000)
    const token = await sign(f.key, claims({ iat, exp: iat + 60 }))
    expect((await issueWith(f, token)).status).toBe(200)
    clock.now += 61_000
    expect401(await issueWith(f, token), /expired/)
  })

  it('a token without exp', async () => {
    const f = await startSandboxFixture()
    const { exp: _exp, ...noExp } = claims()
    expect401(await issueWith(f, await sign(f.key, noExp)), /exp claim is missing/)
  })

  it('a kid that is not in the JWKS', async () => {
    const f = await startSandboxFixture()
    expect401(
      await issueWith(f, await sign(f.key, claims(), { kid: 'not-published' })),
      /kid "not-published" is not in the JWKS/,
    )
  })

  it('a token without kid', async () => {
    const f = await startSandboxFixture()
    expect401(
      await issueWith(f, await sign(f.key, claims(), { kid: undefined })),
      /the kid header is missing/,
    )
  })

  it('alg "none" (an unsigned token)', async () => {
    const f = await startSandboxFixture()
    const header = base64url.encode(JSON.stringify({ alg: 'none', kid: f.key.kid, typ: 'JWT' }))
    const payload = base64url.encode(JSON.stringify(claims()))
    expect401(await issueWith(f, `${header}.${payload}.`), /alg "none" is not allowed/)
  })

  it('HS256 signed with the public key as the HMAC secret (algorithm confusion)', async () => {
    const f = await startSandboxFixture()
    const publicPem = createPublicKey({ key: f.key.publicJwk as never, format: 'jwk' })
      .export({ format: 'pem', type: 'spki' })
      .toString()
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256', kid: f.key.kid, typ: 'JWT' })
      .sign(new TextEncoder().encode(publicPem))
    expect401(await issueWith(f, token), /alg "HS256" is not allowed/)
  })

  it('a token without typ', async () => {
    const f = await startSandboxFixture()
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'ES256', kid: f.key.kid })
      .sign(f.key.privateKey)
    expect401(await issueWith(f, token), /typ header is missing/)
  })

  it('a typ other than "JWT"', async () => {
    const f = await startSandboxFixture()
    expect401(
      await issueWith(f, await sign(f.key, claims(), { typ: 'at+jwt' })),
      /typ "at\+jwt" is not "JWT"/,
    )
  })

  it('the older scope "issue" in strict mode; lenient mode takes it', async () => {
    const f = await startSandboxFixture({ settings: { scopeMode: 'strict' } })
    const token = await sign(f.key, claims({ scope: 'issue' }))
    expect401(
      await issueWith(f, token),
      /scope "issue" is not accepted: expected "issue on-behalf"/,
    )
    f.sandbox.updateSettings({ scopeMode: 'lenient' })
    expect((await issueWith(f, token)).status).toBe(200)
    expect401(
      await issueWith(f, await sign(f.key, claims({ scope: 'admin' }))),
      /scope "admin" is not accepted/,
    )
  })

  it('a cached token whose scope the current mode no longer accepts (lenient, then strict)', async () => {
    const f = await startSandboxFixture({ settings: { scopeMode: 'lenient' } })
    const token = await sign(f.key, claims({ scope: 'issue' }))
    expect((await issueWith(f, token)).status).toBe(200)
    f.sandbox.updateSettings({ scopeMode: 'strict' })
    expect401(
      await issueWith(f, token),
      /scope "issue" is not accepted: expected "issue on-behalf"/,
    )
    // The refusal came from the cached verification, not from a second one.
    expect(f.sandbox.stats().auth).toMatchObject({ verified: 1, cacheHits: 1 })
  })

  it('a token without a scope claim, even in lenient mode', async () => {
    const f = await startSandboxFixture({ settings: { scopeMode: 'lenient' } })
    expect401(
      await issueWith(f, await sign(f.key, claims({ scope: undefined }))),
      /scope "" is not accepted/,
    )
  })

  it('a tampered payload (claims changed after signing)', async () => {
    const f = await startSandboxFixture()
    const [header, , signature] = (await sign(f.key, claims({ email: 'alice@example.com' }))).split(
      '.',
    )
    const forged = base64url.encode(JSON.stringify(claims({ email: 'mallory@example.com' })))
    expect401(await issueWith(f, `${header}.${forged}.${signature}`), /signature does not verify/)
  })

  it('a tampered header (re-encoded after signing; payload and signature kept)', async () => {
    const f = await startSandboxFixture()
    const [, payload, signature] = (await sign(f.key, claims())).split('.')
    // The same members in another order: the key lookup succeeds, the signed bytes differ.
    const header = base64url.encode(JSON.stringify({ typ: 'JWT', kid: f.key.kid, alg: f.key.alg }))
    expect401(await issueWith(f, `${header}.${payload}.${signature}`), /signature does not verify/)
  })

  it('a tampered signature (one bit flipped)', async () => {
    const f = await startSandboxFixture()
    const [header, payload, signature] = (await sign(f.key, claims())).split('.') as [
      string,
      string,
      string,
    ]
    const bytes = base64url.decode(signature)
    bytes[10] = bytes[10]! ^ 0x01
    expect401(
      await issueWith(f, `${header}.${payload}.${base64url.encode(bytes)}`),
      /signature does not verify/,
    )
  })

  it('a token signed by another key under the published kid', async () => {
    const f = await startSandboxFixture()
    const impostor = await newKey('ES256', f.key.kid)
    expect401(await issueWith(f, await sign(impostor, claims())), /signature does not verify/)
  })

  it('a value that is not a JWT', async () => {
    const f = await startSandboxFixture()
    expect401(await issueWith(f, 'Bearer not-a-token'), /not a compact JWS/)
    expect401(await issueWith(f, 'eyJhbGciOiJFUzI1NiJ9.e30'), /not a compact JWS/)
  })

  it('a token without partnerId', async () => {
    const f = await startSandboxFixture()
    expect401(
      await issueWith(f, await sign(f.key, claims({ partnerId: undefined }))),
      /the partnerId claim is missing/,
    )
  })

  it('an unknown partnerId', async () => {
    const f = await startSandboxFixture()
    expect401(
      await issueWith(f, await sign(f.key, claims({ partnerId: 'who' }))),
      /partnerId "who" is not a known partner/,
    )
  })

  it("another partner's partnerId on our token (that partner's JWKS lacks our key)", async () => {
    const f = await startSandboxFixture({ otherPartners: ['partner-b'] })
    const other = f.partner('partner-b')
    const res = await issueWith(f, await sign(f.key, claims({ partnerId: 'partner-b' })))
    expect401(res, /is not in the JWKS at/)
    expect((res.json as { reason: string }).reason).toContain(other.jwks.url)
    // partner-b's own token authenticates, then meets the 403 of a program it does not own.
    expect(
      (await issueWith(f, await sign(other.key, claims({ partnerId: 'partner-b' })))).status,
    ).toBe(403)
  })

  it('a missing or implausible email claim', async () => {
    const f = await startSandboxFixture()
    expect401(await issueWith(f, await sign(f.key, claims({ email: undefined }))), /email claim/)
    expect401(
      await issueWith(f, await sign(f.key, claims({ email: 'not-an-email' }))),
      /email claim/,
    )
  })

  it('an alg that does not fit the JWKS key type (RS256 header on an EC key)', async () => {
    const f = await startSandboxFixture()
    const rsa = await newKey('RS256')
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'RS256', kid: f.key.kid, typ: 'JWT' })
      .sign(rsa.privateKey)
    expect401(
      await issueWith(f, token),
      /is EC P-256 for ES256, which does not fit the token's alg RS256/,
    )
  })

  it('no x-partner-auth header at all', async () => {
    const f = await startSandboxFixture()
    const res = await rawCall(`${f.sandbox.url}/credentials/issue-on-behalf`, { body })
    expect401(res, /header is missing/)
  })

  it('RS256 partners work end to end', async () => {
    const f = await startSandboxFixture({ alg: 'RS256' })
    expect((await f.client().issue(f.issueCall())).coreClaimHash).toMatch(/^[0-9a-f]{64}$/)
  })
})

describe('sandbox authentication: the partner JWKS', () => {
  it('refuses a JWKS that publishes private key members, with a clear message and a warning', async () => {
    const { logger, lines } = captureLogs()
    const f = await startSandboxFixture({ logger })
    const leaky = {
      ...(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
        format: 'jwk',
      }) as object),
    }
    f.jwks.serve({ keys: [{ ...leaky, kid: f.key.kid, alg: 'ES256', use: 'sig' }] })
    const res = await issueWith(f, await sign(f.key, claims()))
    expect401(res, /contains private key members \(d\)/)
    expect(lines.find((l) => l.level === 'warn')).toMatchObject({
      msg: 'refusing a JWKS that publishes private key material',
      members: ['d'],
    })
    // The warning names the members, never their values.
    expect(JSON.stringify(lines)).not.toContain((leaky as { d: string }).d)
  })

  it('refuses a key the partner publishes with use "enc": it is for encryption, never for verifying a signature (RFC 7517 §4.2)', async () => {
    const f = await startSandboxFixture()
    f.jwks.serve({ keys: [{ ...f.key.publicJwk, use: 'enc' }] })
    expect401(
      await issueWith(f, await sign(f.key, claims())),
      /JWKS key ".+" is published with use "enc"/,
    )
  })

  it('refuses a key whose key_ops do not include "verify" (RFC 7517 §4.3), and takes one whose do', async () => {
    const f = await startSandboxFixture({ config: { jwks: { cooldownMs: 0, cacheMaxAgeMs: 0 } } })
    f.jwks.serve({ keys: [{ ...f.key.publicJwk, key_ops: ['encrypt'] }] })
    expect401(
      await issueWith(f, await sign(f.key, claims())),
      /JWKS key ".+" is published with key_ops \["encrypt"\]: only a key whose key_ops include "verify"/,
    )
    f.jwks.serve({ keys: [{ ...f.key.publicJwk, key_ops: ['verify'] }] })
    expect((await issueWith(f, await sign(f.key, claims()))).status).toBe(200)
  })

  it('refuses a token whose alg is not the alg its key declares (an RS384 key for an RS256 token)', async () => {
    const f = await startSandboxFixture({ alg: 'RS256' })
    f.jwks.serve({ keys: [{ ...f.key.publicJwk, alg: 'RS384' }] })
    expect401(
      await issueWith(f, await sign(f.key, claims())),
      /JWKS key ".+" declares alg RS384, but the token is signed with RS256/,
    )
  })

  it('a kid published twice, for encryption and for signatures, verifies with the signature key', async () => {
    const f = await startSandboxFixture()
    const other = await newKey('ES256', f.key.kid)
    f.jwks.serve({
      keys: [
        { ...other.publicJwk, use: 'enc' },
        { ...f.key.publicJwk, use: 'sig' },
      ],
    })
    expect((await issueWith(f, await sign(f.key, claims()))).status).toBe(200)
  })

  it('answers 401 while the JWKS cannot be fetched', async () => {
    const f = await startSandboxFixture()
    f.jwks.failWith(503)
    expect401(await issueWith(f, await sign(f.key, claims())), /answered HTTP 503/)
    await f.jwks.close()
    expect401(await issueWith(f, await sign(f.key, claims())), /unreachable \(ECONNREFUSED\)/)
  })

  it('refetches on an unknown kid once the cooldown has passed (rotation: new key published first)', async () => {
    const f = await startSandboxFixture({ config: { jwks: { cooldownMs: 0 } } })
    expect((await issueWith(f, await sign(f.key, claims()))).status).toBe(200)
    const next = await newKey('ES256', 'next-key')
    f.jwks.serve(createJwksDocument([next.publicJwk, f.key.publicJwk]))
    expect((await issueWith(f, await sign(next, claims()))).status).toBe(200)
    expect(f.jwks.requests).toBe(2)
  })

  it('refetches when the kid is known but none of its keys fits the alg (a kid kept across an ES256 → RS256 rotation)', async () => {
    // Was: only a kid without any signature key triggered the early refetch, so a partner that
    // kept its kid ([JWKS]: kid = Partner ID) and moved to RS256 got 401 "EC P-256 … does not
    // fit" until the cache aged out (10 min), where jose's createRemoteJWKSet, whose semantics
    // the sandbox follows, refetches on any "no matching key" once the cooldown has passed.
    const f = await startSandboxFixture({ config: { jwks: { cooldownMs: 0 } } })
    expect((await issueWith(f, await sign(f.key, claims()))).status).toBe(200)
    const rsa = await newKey('RS256', f.key.kid)
    f.jwks.serve(createJwksDocument([rsa.publicJwk]))
    expect((await issueWith(f, await sign(rsa, claims()))).status).toBe(200)
    expect(f.jwks.requests).toBe(2)
  })

  it('does not refetch for an unknown kid within the cooldown', async () => {
    const f = await startSandboxFixture({ config: { jwks: { cooldownMs: 60_000 } } })
    expect((await issueWith(f, await sign(f.key, claims()))).status).toBe(200)
    const next = await newKey('ES256', 'next-key')
    f.jwks.serve(createJwksDocument([next.publicJwk, f.key.publicJwk]))
    expect401(await issueWith(f, await sign(next, claims())), /kid "next-key" is not in the JWKS/)
    expect(f.jwks.requests).toBe(1)
  })

  it('caches the JWKS and verified tokens, and refetches once the cache is too old', async () => {
    const cached = await startSandboxFixture()
    const token = await sign(cached.key, claims())
    for (let i = 0; i < 3; i += 1) expect((await issueWith(cached, token)).status).toBe(200)
    expect(cached.jwks.requests).toBe(1)
    expect(cached.sandbox.stats().auth).toMatchObject({ verified: 1, cacheHits: 2 })

    const uncached = await startSandboxFixture({ config: { jwks: { cacheMaxAgeMs: 0 } } })
    const token2 = await sign(uncached.key, claims())
    for (let i = 0; i < 3; i += 1) expect((await issueWith(uncached, token2)).status).toBe(200)
    expect(uncached.jwks.requests).toBe(3)
  })

  it("signs with the client's own signer and cache, as the relay does", async () => {
    const f = await startSandboxFixture()
    const signer = createPartnerTokenSigner({ key: f.key, partnerId: PARTNER_ID })
    expect((await issueWith(f, (await signer.sign(uniqueEmail())).token)).status).toBe(200)
  })
})
