import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { generatePartnerKey } from '../../src/auth/generate-partner-key.js'
import type { SigningKey } from '../../src/auth/load-signing-key.js'
import { watchKeyFile } from '../../src/auth/watch-key-file.js'
import { captureLogs } from '../support/capture-logs.js'
import { scanForSecrets } from '../support/secret-scan.js'

/**
 * Writes `text` until the watcher has seen it: the watcher's first look at the file may come
 * after a single write, and then that write is no change to it. Each write replaces the file
 * whole (a temporary file renamed over it, as a secret mount or `mv` does): a watcher that looks
 * in the middle of an in-place write reads half a key.
 */
async function writeUntilSeen(path: string, text: string, seen: () => boolean): Promise<void> {
  await expect
    .poll(async () => {
      await writeFile(`${path}.tmp`, text, { mode: 0o600 })
      await rename(`${path}.tmp`, path)
      return seen()
    })
    .toBe(true)
}

describe('watchKeyFile', () => {
  it('takes a new key from the file under the configured kid, and keeps it when the file then holds no usable key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'moca-watch-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const path = join(dir, 'partner.pem')
    await writeFile(path, (await generatePartnerKey()).privateKeyPem, { mode: 0o600 })
    const changes: SigningKey[] = []
    const { logger, lines } = captureLogs()
    const stop = watchKeyFile({
      path,
      alg: 'ES256',
      kid: 'registered-kid',
      logger,
      intervalMs: 10,
      onChange: (key) => changes.push(key),
    })
    onTestFinished(stop)

    const next = await generatePartnerKey()
    await writeUntilSeen(path, next.privateKeyPem, () => changes.length > 0)
    expect(changes.at(-1)).toMatchObject({
      kid: 'registered-kid',
      alg: 'ES256',
      publicJwk: { kid: 'registered-kid', x: next.publicJwk.x, y: next.publicJwk.y },
    })

    // The operator's mistake: an RSA key where the config says ES256.
    const rsa = await generatePartnerKey({ alg: 'RS256' })
    const errors = () => lines.filter((line) => line.level === 'error')
    await writeUntilSeen(path, rsa.privateKeyPem, () => errors().length > 0)
    // Every key taken is the good one: the RSA key never replaced it.
    expect(new Set(changes.map((key) => key.publicJwk.x))).toEqual(new Set([next.publicJwk.x]))
    expect(errors()[0]).toMatchObject({
      msg: 'partner key file changed but holds no usable key; keeping the current key',
      err: { code: 'KEY_INVALID', message: expect.stringMatching(/ES256 needs an EC P-256 key/) },
    })
    expect(
      scanForSecrets(JSON.stringify(lines), { privateKeyPem: rsa.privateKeyPem, emails: [] }),
    ).toEqual([])
  })
})
