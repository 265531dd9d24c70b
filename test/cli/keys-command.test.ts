import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  jwtVerify,
  type JSONWebKeySet,
} from 'jose'
import { describe, expect, it } from 'vitest'
import { loadSigningKey } from '../../src/auth/load-signing-key.js'
import { PRIVATE_JWK_MEMBERS } from '../../src/auth/private-jwk-members.js'
import { JWKS_FILE, PRIVATE_KEY_FILE } from '../../src/cli/keys-command.js'
import { keysFolder as tempDir, runKeysCommand as keys } from '../support/run-keys-command.js'

describe('moca-relay keys generate', () => {
  it('writes a 0600 private key and a public JWKS, and prints the JWKS', async () => {
    const out = await tempDir()
    const { code, stdout, stderr } = await keys(['generate', '--out', out])
    expect(code).toBe(0)

    const printed = JSON.parse(stdout) as { keys: Record<string, unknown>[] }
    expect(printed).toEqual(JSON.parse(await readFile(join(out, JWKS_FILE), 'utf8')))
    expect(printed.keys).toHaveLength(1)
    for (const member of PRIVATE_JWK_MEMBERS) expect(printed.keys[0]).not.toHaveProperty(member)
    expect(printed.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' })

    const keyPath = join(out, PRIVATE_KEY_FILE)
    expect((await stat(keyPath)).mode & 0o777).toBe(0o600)
    expect(await readFile(keyPath, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/)
    // The key loads with the same kid the JWKS publishes, with no configuration.
    const key = await loadSigningKey({ source: { kind: 'pem-file', path: keyPath } })
    expect(key.kid).toBe(printed.keys[0]?.kid)
    expect(stderr).toContain(keyPath)
    expect(stderr).not.toContain('PRIVATE KEY')
  })

  it('makes RS256 keys with a chosen kid', async () => {
    const out = await tempDir()
    const { stdout } = await keys([
      'generate',
      '--alg',
      'RS256',
      '--kid',
      'partner-1',
      '--out',
      out,
    ])
    expect(JSON.parse(stdout)).toMatchObject({
      keys: [{ kty: 'RSA', alg: 'RS256', kid: 'partner-1', e: 'AQAB' }],
    })
  })

  it('refuses to overwrite a key without --force, and leaves it as it was', async () => {
    const out = await tempDir()
    await keys(['generate', '--out', out])
    const before = await readFile(join(out, PRIVATE_KEY_FILE), 'utf8')
    const { code } = await keys(['generate', '--out', out])
    expect(code).toMatchObject({ code: 'KEY_FILE_EXISTS' })
    expect(await readFile(join(out, PRIVATE_KEY_FILE), 'utf8')).toBe(before)
  })

  it('with --force rotates: a new private key, and the JWKS keeps the previous public key', async () => {
    const out = await tempDir()
    const first = JSON.parse((await keys(['generate', '--out', out])).stdout) as {
      keys: { kid: string }[]
    }
    const before = await readFile(join(out, PRIVATE_KEY_FILE), 'utf8')
    const { code, stdout } = await keys(['generate', '--out', out, '--force'])
    expect(code).toBe(0)
    const second = JSON.parse(stdout) as { keys: { kid: string }[] }
    expect(second.keys.map((k) => k.kid)).toEqual([expect.any(String), first.keys[0]?.kid])
    expect(second.keys[0]?.kid).not.toBe(first.keys[0]?.kid)
    expect(await readFile(join(out, PRIVATE_KEY_FILE), 'utf8')).not.toBe(before)
    expect((await stat(join(out, PRIVATE_KEY_FILE))).mode & 0o777).toBe(0o600)
  })

  it('with --force and a new --kid keeps the old key published: tokens of both keys verify', async () => {
    const out = await tempDir()
    await keys(['generate', '--kid', 'partner-1', '--out', out])
    const oldKey = join(out, 'partner-1.pem')
    await writeFile(oldKey, await readFile(join(out, PRIVATE_KEY_FILE), 'utf8'))
    const { code, stdout, stderr } = await keys([
      'generate',
      '--kid',
      'partner-2',
      '--out',
      out,
      '--force',
    ])
    expect(code).toBe(0)
    expect(stderr).toContain('previous keys kept in the JWKS: partner-1')
    const jwks = JSON.parse(await readFile(join(out, JWKS_FILE), 'utf8')) as JSONWebKeySet
    expect(JSON.parse(stdout)).toEqual(jwks)
    expect(jwks.keys.map((k) => k.kid)).toEqual(['partner-2', 'partner-1'])
    for (const [kid, key] of [
      ['partner-1', oldKey],
      ['partner-2', join(out, PRIVATE_KEY_FILE)],
    ] as const) {
      const token = (
        await keys([
          ...['token', '--partner-id', 'p', '--email', 'a@example.com'],
          ...['--kid', kid, '--key', key],
        ])
      ).stdout.trim()
      await expect(jwtVerify(token, createLocalJWKSet(jwks))).resolves.toBeDefined()
    }
  })

  it('answers a usage error with exit code 2, naming the subcommand and the option', async () => {
    const bogus = await keys(['generate', '--bogus'])
    expect(bogus.code).toBe(2)
    expect(bogus.stderr).toMatch(/^moca-relay keys generate: .*'--bogus'/)
    expect(bogus.stderr).toContain('Usage:')
    const token = await keys(['token', '--partner-id'])
    expect(token.code).toBe(2)
    expect(token.stderr).toMatch(
      /^moca-relay keys token: Option '--partner-id <value>' argument missing/,
    )
    expect((await keys(['rotate'])).code).toBe(2)
    expect((await keys(['generate', '--alg', 'HS256'])).code).toBe(2)
  })

  it('regression: refuses an empty --kid as a usage error naming --kid', async () => {
    // The failure: `--kid ''` answered "Every JWKS entry needs a non-empty kid and alg
    // [KEY_INVALID]", naming neither the option nor the fix, and exited 1.
    for (const kid of ['', ' ']) {
      const emptyKid = await keys(['generate', '--kid', kid, '--out', await tempDir()])
      expect(emptyKid.code).toBe(2)
      expect(emptyKid.stderr).toMatch(
        /^moca-relay keys generate: --kid is empty: give a key id \(--kid partner-2026-11\), or leave --kid out for the key's thumbprint\.\n\nUsage:/,
      )
    }
  })
})

/** `keys token` for alice@example.com as partner-1, signed with the key generated into `out`. */
function aliceToken(out: string, ...extra: string[]): string[] {
  return [
    ...['token', '--partner-id', 'partner-1', '--email', 'alice@example.com'],
    ...['--key', join(out, PRIVATE_KEY_FILE), ...extra],
  ]
}

describe('moca-relay keys token', () => {
  it('prints a partner JWT that verifies against the generated JWKS', async () => {
    const out = await tempDir()
    const jwks = JSON.parse((await keys(['generate', '--out', out])).stdout) as { keys: never[] }
    const { code, stdout } = await keys(aliceToken(out))
    expect(code).toBe(0)
    const token = stdout.trim()
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', typ: 'JWT' })
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks))
    expect(payload).toMatchObject({
      partnerId: 'partner-1',
      email: 'alice@example.com',
      scope: 'issue on-behalf',
    })
  })

  it('honours --ttl and --scope', async () => {
    const out = await tempDir()
    await keys(['generate', '--out', out])
    const { code, stdout } = await keys(aliceToken(out, '--ttl', '60', '--scope', 'issue'))
    expect(code).toBe(0)
    const payload = decodeJwt(stdout.trim())
    expect(payload.exp! - payload.iat!).toBe(60)
    expect(payload.scope).toBe('issue')
  })

  it('reads the key from MOCA_PARTNER_PRIVATE_KEY (the base64 body, as the docs keep it)', async () => {
    const out = await tempDir()
    await keys(['generate', '--out', out])
    const pem = await readFile(join(out, PRIVATE_KEY_FILE), 'utf8')
    const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')
    const { code, stdout } = await keys(
      ['token', '--partner-id', 'p', '--email', 'a@example.com'],
      {
        MOCA_PARTNER_PRIVATE_KEY: body,
      },
    )
    expect(code).toBe(0)
    expect(stdout.split('.')).toHaveLength(3)
  })

  it('says what is missing', async () => {
    const { code, stderr } = await keys(['token', '--partner-id', 'p', '--email', 'a@example.com'])
    expect(code).toBe(2)
    expect(stderr).toContain('MOCA_PARTNER_PRIVATE_KEY')
    const file = join(await tempDir(), 'k.pem')
    await writeFile(file, 'nonsense')
    expect(
      (await keys(['token', '--partner-id', 'p', '--email', 'a@example.com', '--key', file])).code,
    ).toMatchObject({
      code: 'KEY_INVALID',
    })
  })
})
