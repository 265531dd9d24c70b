import { generateKeyPairSync } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { calculateJwkThumbprint, jwtVerify, SignJWT } from 'jose'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createJwksDocument } from '../../src/auth/jwks-document.js'
import {
  loadPublishedKey,
  loadSigningKey,
  keySourceFromText,
  type KeySource,
} from '../../src/auth/load-signing-key.js'
import { PRIVATE_JWK_MEMBERS } from '../../src/auth/private-jwk-members.js'

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const pkcs8Pem = ec.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
const sec1Pem = ec.privateKey.export({ format: 'pem', type: 'sec1' }).toString()
const rsaPkcs1Pem = rsa.privateKey.export({ format: 'pem', type: 'pkcs1' }).toString()
const bodyOf = (pem: string): string => pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')

/** A key is usable when a token it signs verifies with the public JWK it reports. */
async function assertSignsAndVerifies(source: KeySource): Promise<void> {
  const key = await loadSigningKey({ source })
  const token = await new SignJWT({ a: 1 })
    .setProtectedHeader({ alg: key.alg })
    .sign(key.privateKey)
  const { importJWK } = await import('jose')
  await expect(jwtVerify(token, await importJWK(key.publicJwk, key.alg))).resolves.toBeTruthy()
}

describe('loadSigningKey: where keys come from', () => {
  it('reads a PKCS#8 PEM file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'moca-key-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    await writeFile(join(dir, 'key.pem'), pkcs8Pem, { mode: 0o600 })
    const key = await loadSigningKey({ source: { kind: 'pem-file', path: join(dir, 'key.pem') } })
    expect(key.alg).toBe('ES256')
    await assertSignsAndVerifies({ kind: 'pem-file', path: join(dir, 'key.pem') })
  })

  it.each([
    ['a PKCS#8 PEM', pkcs8Pem],
    ['a SEC1 "EC PRIVATE KEY" PEM', sec1Pem],
    ['a PEM on one line with literal \\n, as env files hold it', pkcs8Pem.replace(/\n/g, '\\n')],
    ["the bare base64 body of a PKCS#8 PEM (the docs' env convention)", bodyOf(pkcs8Pem)],
    ['the bare base64 body of a SEC1 PEM', bodyOf(sec1Pem)],
    ['the bare base64 body of a PKCS#1 RSA PEM', bodyOf(rsaPkcs1Pem)],
  ])('reads %s from a string', async (_what, text) => {
    await assertSignsAndVerifies({ kind: 'text', text })
  })

  it('reads a private JWK as an object or a JSON string, keeping its kid', async () => {
    const jwk = {
      ...(ec.privateKey.export({ format: 'jwk' }) as Record<string, unknown>),
      kid: 'partner-7',
    }
    expect((await loadSigningKey({ source: { kind: 'jwk', jwk } })).kid).toBe('partner-7')
    expect((await loadSigningKey({ source: keySourceFromText(JSON.stringify(jwk)) })).kid).toBe(
      'partner-7',
    )
  })

  it("prefers the configured kid to the JWK's own, in the key and in its public JWK", async () => {
    // The configured kid is the one registered with MocaChain: the header must carry it.
    const jwk = {
      ...(ec.privateKey.export({ format: 'jwk' }) as Record<string, unknown>),
      kid: 'stale-kid-in-file',
    }
    const key = await loadSigningKey({ source: { kind: 'jwk', jwk }, kid: 'registered-kid' })
    expect(key.kid).toBe('registered-kid')
    expect(key.publicJwk.kid).toBe('registered-kid')
  })

  it('infers the algorithm from the key, and defaults kid to the RFC 7638 thumbprint', async () => {
    const rsaKey = await loadSigningKey({ source: { kind: 'text', text: rsaPkcs1Pem } })
    expect(rsaKey.alg).toBe('RS256')
    const ecKey = await loadSigningKey({ source: { kind: 'text', text: pkcs8Pem } })
    expect(ecKey.kid).toBe(
      await calculateJwkThumbprint(ec.publicKey.export({ format: 'jwk' }) as never),
    )
    expect(ecKey.publicJwk).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      alg: 'ES256',
      use: 'sig',
      kid: ecKey.kid,
    })
  })

  it('imports once into a non-extractable CryptoKey', async () => {
    const key = await loadSigningKey({ source: { kind: 'text', text: pkcs8Pem } })
    expect(key.privateKey.extractable).toBe(false)
    expect(key.publicJwk).not.toHaveProperty('d')
  })
})

describe('loadSigningKey: keys that do not fit', () => {
  const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString()
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString()
  const ed25519 = generateKeyPairSync('ed25519')
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString()
  const publicPem = ec.publicKey.export({ format: 'pem', type: 'spki' }).toString()
  const encryptedPem = ec.privateKey
    .export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'secret' })
    .toString()

  it.each([
    [
      'an RSA key for ES256',
      { source: { kind: 'text', text: rsaPkcs1Pem }, alg: 'ES256' },
      /ES256 needs an EC P-256 key, this is a RSA key of 2048 bits/,
    ],
    [
      'an EC key for RS256',
      { source: { kind: 'text', text: pkcs8Pem }, alg: 'RS256' },
      /RS256 needs an RSA key/,
    ],
    [
      'RSA-1024 for RS256',
      { source: { kind: 'text', text: rsa1024 }, alg: 'RS256' },
      /at least 2048 bits, this one has 1024/,
    ],
    ['a P-384 key', { source: { kind: 'text', text: p384 } }, /fits neither ES256/],
    ['an Ed25519 key', { source: { kind: 'text', text: ed25519 } }, /fits neither ES256/],
    ['a public key PEM', { source: { kind: 'text', text: publicPem } }, /public key/],
    [
      'an encrypted PEM',
      { source: { kind: 'text', text: encryptedPem } },
      /the PEM is encrypted; decrypt it first \(`openssl pkcs8 -topk8 -nocrypt/,
    ],
    [
      'a public JWK',
      { source: { kind: 'jwk', jwk: ec.publicKey.export({ format: 'jwk' }) } },
      /public key/,
    ],
    ['garbage', { source: { kind: 'text', text: 'not a key at all!' } }, /neither a PEM/],
    [
      'base64 that is no key',
      { source: { kind: 'text', text: 'aGVsbG8gd29ybGQ=' } },
      /not a PKCS#8, PKCS#1 or SEC1/,
    ],
    [
      'a missing file',
      { source: { kind: 'pem-file', path: '/nonexistent/key.pem' } },
      /cannot read the key file/,
    ],
  ] as const)('refuses %s with KEY_INVALID and a fix', async (_what, options, message) => {
    const attempt = loadSigningKey(options as never)
    await expect(attempt).rejects.toMatchObject({ code: 'KEY_INVALID', classification: 'systemic' })
    await expect(loadSigningKey(options as never)).rejects.toThrow(message)
  })

  it('never echoes key material in its errors', async () => {
    const wrong = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey
    const text = wrong.export({ format: 'pem', type: 'pkcs8' }).toString()
    const err = (await loadSigningKey({ source: { kind: 'text', text }, alg: 'ES256' }).catch(
      (e: unknown) => e,
    )) as Error
    expect(err.message).toMatch(/ES256 needs an EC P-256 key/)
    expect(err.message).not.toContain(bodyOf(text).slice(40, 80))
    const d = (wrong.export({ format: 'jwk' }) as { d: string }).d
    expect(err.message).not.toContain(d)
  })
})

describe('loadPublishedKey: the previous keys a JWKS still publishes', () => {
  /** A file of `text` in a temporary folder. */
  async function keyFile(name: string, text: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'moca-previous-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    await writeFile(join(dir, name), text, { mode: 0o600 })
    return join(dir, name)
  }

  it('publishes a public PEM and a private PEM as previous keys, public members only', async () => {
    // As config documents moca.previousKeys[].file: "Public or private key file".
    const publicPem = ec.publicKey.export({ format: 'pem', type: 'spki' }).toString()
    const previous = [
      await loadPublishedKey({
        path: await keyFile('old-public.pem', publicPem),
        alg: 'ES256',
        kid: 'old-public',
      }),
      await loadPublishedKey({
        path: await keyFile('old-private.pem', rsaPkcs1Pem),
        alg: 'RS256',
        kid: 'old-private',
      }),
    ]
    const active = await loadSigningKey({
      source: { kind: 'text', text: sec1Pem },
      alg: 'ES256',
      kid: 'active',
    })

    const jwks = createJwksDocument([active.publicJwk, ...previous])

    expect(jwks.keys.map((k) => k.kid)).toEqual(['active', 'old-public', 'old-private'])
    const ecPublic = ec.publicKey.export({ format: 'jwk' })
    expect(jwks.keys[1]).toEqual({ ...ecPublic, kid: 'old-public', alg: 'ES256', use: 'sig' })
    const rsaPublic = rsa.publicKey.export({ format: 'jwk' })
    expect(jwks.keys[2]).toEqual({ ...rsaPublic, kid: 'old-private', alg: 'RS256', use: 'sig' })
    for (const key of previous) {
      for (const member of PRIVATE_JWK_MEMBERS) expect(key).not.toHaveProperty(member)
    }
  })

  it.each([
    ['a PKCS#1 RSA public PEM', rsa.publicKey.export({ format: 'pem', type: 'pkcs1' }).toString()],
    [
      'the bare base64 body of a public PEM',
      bodyOf(rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString()),
    ],
    ['a public JWK', JSON.stringify(rsa.publicKey.export({ format: 'jwk' }))],
    ['a private JWK', JSON.stringify(rsa.privateKey.export({ format: 'jwk' }))],
  ])('reads %s', async (_what, text) => {
    const jwk = await loadPublishedKey({
      path: await keyFile('old.key', text),
      alg: 'RS256',
      kid: 'old',
    })
    expect(jwk).toEqual({
      ...rsa.publicKey.export({ format: 'jwk' }),
      kid: 'old',
      alg: 'RS256',
      use: 'sig',
    })
  })

  it('refuses a key that does not fit its alg, naming the file and never echoing the key', async () => {
    const path = await keyFile('old.pem', pkcs8Pem)
    const attempt = loadPublishedKey({ path, alg: 'RS256', kid: 'old' })
    await expect(attempt).rejects.toMatchObject({ code: 'KEY_INVALID', classification: 'systemic' })
    const err = (await loadPublishedKey({ path, alg: 'RS256', kid: 'old' }).catch(
      (e: unknown) => e,
    )) as Error
    expect(err.message).toContain(`Previous key "old" (${path}): RS256 needs an RSA key`)
    expect(err.message).not.toContain(bodyOf(pkcs8Pem).slice(40, 80))
    expect(err.message).not.toContain((ec.privateKey.export({ format: 'jwk' }) as { d: string }).d)
    await expect(
      loadPublishedKey({
        path: await keyFile('junk.pem', 'not a key at all!'),
        alg: 'ES256',
        kid: 'old',
      }),
    ).rejects.toThrow(/junk\.pem\): the file holds neither a PEM/)
    await expect(
      loadPublishedKey({ path: '/nonexistent/old.pem', alg: 'ES256', kid: 'old' }),
    ).rejects.toThrow(/Previous key "old" \(\/nonexistent\/old\.pem\): cannot read the key file/)
  })
})
