import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { decodeProtectedHeader } from 'jose'
import { describe, expect, it } from 'vitest'
import { keysFolder, runKeysCommand } from '../support/run-keys-command.js'

/**
 * Was: `keys token` without --kid signed with the key's RFC 7638 thumbprint, silently, even when
 * `keys generate --kid demo-key` had published the key as "demo-key" (as README step 1 says to
 * do), so the sandbox answered 401 "kid not in the JWKS" and nothing said why. It now takes the
 * kid the JWKS beside the key publishes it under, and always says which kid it signed with.
 */
const tokenArgs = ['token', '--partner-id', 'partner-demo', '--email', 'alice@example.com']

describe('keys token without --kid', () => {
  it('signs with the kid the JWKS beside the key publishes, and says so', async () => {
    const dir = await keysFolder()
    expect((await runKeysCommand(['generate', '--out', dir, '--kid', 'demo-key'])).code).toBe(0)

    const { code, stdout, stderr } = await runKeysCommand([
      ...tokenArgs,
      '--key',
      join(dir, 'partner-private-key.pem'),
    ])
    expect(code).toBe(0)
    expect(decodeProtectedHeader(stdout.trim()).kid).toBe('demo-key')
    expect(stderr).toBe(
      `Signed with kid demo-key, the kid ${join(dir, 'jwks.json')} publishes this key under.\n`,
    )
  })

  it('says it used the thumbprint when no JWKS beside the key names it', async () => {
    const dir = await keysFolder()
    expect((await runKeysCommand(['generate', '--out', dir, '--kid', 'named'])).code).toBe(0)
    await rm(join(dir, 'jwks.json'))

    const { code, stdout, stderr } = await runKeysCommand([
      ...tokenArgs,
      '--key',
      join(dir, 'partner-private-key.pem'),
    ])
    expect(code).toBe(0)
    const { kid } = decodeProtectedHeader(stdout.trim())
    expect(kid).not.toBe('named')
    expect(stderr).toBe(
      `Signed with kid ${kid}, the key's RFC 7638 thumbprint: pass --kid if the JWKS you registered names the key otherwise.\n`,
    )
  })

  it('--kid wins, and is named too', async () => {
    const dir = await keysFolder()
    await runKeysCommand(['generate', '--out', dir, '--kid', 'demo-key'])
    const { stdout, stderr } = await runKeysCommand([
      ...tokenArgs,
      '--key',
      join(dir, 'partner-private-key.pem'),
      '--kid',
      'other',
    ])
    expect(decodeProtectedHeader(stdout.trim()).kid).toBe('other')
    expect(stderr).toBe('Signed with kid other (--kid).\n')
  })
})
