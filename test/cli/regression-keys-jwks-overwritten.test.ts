import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose'
import { describe, expect, it } from 'vitest'
import { JWKS_FILE, PRIVATE_KEY_FILE } from '../../src/cli/keys-command.js'
import { keysFolder, readKeysFolder, runKeysCommand } from '../support/run-keys-command.js'

/**
 * `moca-relay keys generate` without --force looked for the private key only: in an --out folder
 * holding a jwks.json and no private key (the key kept in a secret store, the JWKS published from
 * the folder) it wrote a new key and replaced jwks.json with a JWKS of that key alone, so every
 * public key MocaChain verified tokens with was gone. Without --force nothing is replaced.
 */
describe('moca-relay keys generate next to a published jwks.json', () => {
  it('without --force is refused with KEY_FILE_EXISTS naming jwks.json, and writes nothing', async () => {
    const out = await keysFolder()
    expect((await runKeysCommand(['generate', '--kid', 'partner-1', '--out', out])).code).toBe(0)
    await rm(join(out, PRIVATE_KEY_FILE))
    const before = await readKeysFolder(out)

    const run = await runKeysCommand(['generate', '--out', out])

    expect(run.code).toMatchObject({ code: 'KEY_FILE_EXISTS' })
    const message = (run.code as Error).message
    expect(message).toContain(join(out, JWKS_FILE))
    expect(message).toContain('--force')
    expect(await readKeysFolder(out)).toEqual(before)
  })

  it('with --force adds the new key and keeps the published one', async () => {
    const out = await keysFolder()
    await runKeysCommand(['generate', '--kid', 'partner-1', '--out', out])
    await rm(join(out, PRIVATE_KEY_FILE))

    const run = await runKeysCommand(['generate', '--kid', 'partner-2', '--out', out, '--force'])

    expect(run.code).toBe(0)
    const jwks = JSON.parse(await readFile(join(out, JWKS_FILE), 'utf8')) as JSONWebKeySet
    expect(jwks.keys.map((k) => k.kid)).toEqual(['partner-2', 'partner-1'])
  })
})

/**
 * `keys generate --force` read jwks.json with every failure swallowed: a file it could not parse
 * (a hand edit gone wrong, a JWKS in another shape) counted as "no previous keys" and was
 * replaced by a JWKS of the new key alone, the published keys lost without a word.
 */
describe('moca-relay keys generate --force with a jwks.json that is not a JWKS', () => {
  it('is refused with KEY_JWKS_INVALID naming the file, and writes nothing', async () => {
    const out = await keysFolder()
    await runKeysCommand(['generate', '--out', out])
    await writeFile(join(out, JWKS_FILE), '{"keys": [ {"kid": "partner-1", "kty": "EC", \n')
    const before = await readKeysFolder(out)

    const run = await runKeysCommand(['generate', '--out', out, '--force'])

    expect(run.code).toMatchObject({ code: 'KEY_JWKS_INVALID' })
    expect((run.code as Error).message).toContain(join(out, JWKS_FILE))
    expect(await readKeysFolder(out)).toEqual(before)
  })
})

/**
 * `keys generate --force` in a folder holding a private key and no jwks.json wrote a JWKS of the
 * new key alone: published, it made the key a relay was signing with unverifiable. The current
 * key's public half stays in the JWKS, under the kid `keys token` and `keys generate` derive.
 */
describe('moca-relay keys generate --force next to a private key and no jwks.json', () => {
  it("keeps the current key's public key, so its tokens still verify", async () => {
    const out = await keysFolder()
    await runKeysCommand(['generate', '--out', out])
    const oldKey = join(out, 'old-key.pem')
    await writeFile(oldKey, await readFile(join(out, PRIVATE_KEY_FILE), 'utf8'))
    await rm(join(out, JWKS_FILE))

    const run = await runKeysCommand(['generate', '--out', out, '--force'])

    expect(run.code).toBe(0)
    const jwks = JSON.parse(await readFile(join(out, JWKS_FILE), 'utf8')) as JSONWebKeySet
    expect(jwks.keys).toHaveLength(2)
    const token = await runKeysCommand([
      ...['token', '--partner-id', 'p', '--email', 'a@example.com', '--key', oldKey],
    ])
    await expect(jwtVerify(token.stdout.trim(), createLocalJWKSet(jwks))).resolves.toBeDefined()
  })
})
