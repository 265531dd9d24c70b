import { createPrivateKey } from 'node:crypto'
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { generatePartnerKey } from '../../src/auth/generate-partner-key.js'
import { loadSigningKey, type SigningKey } from '../../src/auth/load-signing-key.js'
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

/** A temporary key file holding a new key, and that key as the relay loaded it at start-up. */
async function startingKey(): Promise<{ path: string; pem: string; current: SigningKey }> {
  const dir = await mkdtemp(join(tmpdir(), 'moca-watch-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'partner.pem')
  const pem = (await generatePartnerKey()).privateKeyPem
  await writeFile(path, pem, { mode: 0o600 })
  const current = await loadSigningKey({
    source: { kind: 'text', text: pem },
    alg: 'ES256',
    kid: 'registered-kid',
  })
  return { path, pem, current }
}

/** Watches `path` every 10 ms under the registered kid; the keys it took and what it logged. */
function watching(path: string, current: SigningKey) {
  const changes: SigningKey[] = []
  const { logger, lines } = captureLogs()
  const stop = watchKeyFile({
    path,
    alg: 'ES256',
    kid: 'registered-kid',
    current,
    logger,
    intervalMs: 10,
    onChange: (key) => changes.push(key),
  })
  onTestFinished(stop)
  return { changes, lines }
}

describe('watchKeyFile', () => {
  it('takes a new key from the file under the configured kid, and keeps it when the file then holds no usable key', async () => {
    const { path, current } = await startingKey()
    const { changes, lines } = watching(path, current)

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

  it('ends on the key of the latest change when an older, slower load finishes after it', async () => {
    const { path, current } = await startingKey()
    const [b, c] = [await generatePartnerKey(), await generatePartnerKey()]
    // Reading key B is slow (a big file, a slow mount) until the test lets it finish.
    let releaseB!: () => void
    const bMayFinish = new Promise<void>((resolve) => (releaseB = resolve))
    let slowReads = 0
    const changes: SigningKey[] = []
    const stop = watchKeyFile({
      path,
      alg: 'ES256',
      kid: 'registered-kid',
      current,
      logger: captureLogs().logger,
      intervalMs: 5,
      onChange: (key) => changes.push(key),
      readFile: async (file) => {
        const text = await readFile(file, 'utf8')
        if (text === b.privateKeyPem) {
          slowReads += 1
          await bMayFinish
        }
        return text
      },
    })
    onTestFinished(stop)
    const names = () =>
      changes.map((key) =>
        key.publicJwk.x === b.publicJwk.x ? 'B' : key.publicJwk.x === c.publicJwk.x ? 'C' : '?',
      )

    await writeUntilSeen(path, b.privateKeyPem, () => slowReads > 0)
    // C lands while B's load is still running, and is taken.
    await writeUntilSeen(path, c.privateKeyPem, () => changes.length > 0)
    releaseB()
    await new Promise((resolve) => setTimeout(resolve, 200))
    // The file holds C: the relay signs with C, and B (older) never replaces it.
    expect(names().at(-1)).toBe('C')
    expect(names()).not.toContain('B')
  })

  it('warns once when a reload puts a different key under the same kid, and not for the same key', async () => {
    const { path, pem, current } = await startingKey()
    const { changes, lines } = watching(path, current)
    const warnings = () => lines.filter((line) => line.level === 'warn')

    // The same key, written again in another encoding (SEC1): nothing for MocaChain to refuse.
    const sec1 = createPrivateKey(pem).export({ format: 'pem', type: 'sec1' }).toString()
    await writeUntilSeen(path, sec1, () => changes.length > 0)
    expect(changes.at(-1)!.publicJwk.x).toBe(current.publicJwk.x)
    expect(warnings()).toEqual([])

    // A different key under the registered kid: taken (it may fix a wrong key), with a warning.
    const next = await generatePartnerKey()
    await writeUntilSeen(path, next.privateKeyPem, () =>
      changes.some((key) => key.publicJwk.x === next.publicJwk.x),
    )
    expect(changes.at(-1)).toMatchObject({
      kid: 'registered-kid',
      publicJwk: { x: next.publicJwk.x },
    })
    // Written again until seen: the later reloads of the same new key do not warn again.
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(warnings()).toHaveLength(1)
    expect(warnings()[0]).toMatchObject({
      kid: 'registered-kid',
      msg: expect.stringMatching(
        /different key under the same kid: MocaChain may refuse the new tokens until its JWKS cache expires.*new kid.*moca\.previousKeys/,
      ),
    })
    for (const privateKeyPem of [pem, next.privateKeyPem]) {
      expect(scanForSecrets(JSON.stringify(lines), { privateKeyPem, emails: [] })).toEqual([])
    }
  })
})
