import { unwatchFile, watchFile, type Stats } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { Logger } from '../ops/logger.js'
import { samePublicKey } from './jwks-document.js'
import { keySourceFromText, loadSigningKey, type SigningKey } from './load-signing-key.js'
import type { SigningAlgorithm } from './signing-algorithm.js'

export interface WatchKeyFileDeps {
  readonly path: string
  readonly alg: SigningAlgorithm
  readonly kid: string
  /** The key signing now: a reload is compared with it (and then with the last key taken). */
  readonly current: SigningKey
  /** A new, valid key was read from the file. */
  readonly onChange: (key: SigningKey) => void
  readonly logger: Logger
  /** How often the file is looked at. @default 2000 */
  readonly intervalMs?: number
  /** Reads the key file as UTF-8 text. @default fs/promises readFile */
  readonly readFile?: (path: string) => Promise<string>
}

/** Often enough to fix a wrong key within seconds, rarely enough to cost nothing. */
const DEFAULT_INTERVAL_MS = 2_000

/**
 * Reloads the partner key when its file changes, so an operator fixes a wrong key (or rotates
 * one) without restarting the relay. A file that does not hold a usable key is reported and
 * ignored: the relay keeps the key it has. Only the load started by the latest change counts: an
 * older load that finishes after it is dropped, so the relay never ends up on a key the file no
 * longer holds. Returns the function that stops watching.
 */
export function watchKeyFile(deps: WatchKeyFileDeps): () => void {
  const read = deps.readFile ?? ((path: string) => readFile(path, 'utf8'))
  let inUse = deps.current
  /** Numbers the loads; a load's result counts only while it is still the latest one started. */
  let latest = 0
  const listener = (current: Stats, previous: Stats): void => {
    if (current.mtimeMs === previous.mtimeMs && current.size === previous.size) return
    const load = ++latest
    void (async () => {
      try {
        const key = await loadSigningKey({
          source: keySourceFromText(await read(deps.path)),
          alg: deps.alg,
          kid: deps.kid,
        })
        if (load !== latest) return // the file changed again while this load ran
        if (key.kid === inUse.kid && !samePublicKey(key.publicJwk, inUse.publicJwk)) {
          deps.logger.warn(
            { kid: key.kid },
            'partner key file now holds a different key under the same kid: MocaChain may refuse the new tokens until its JWKS cache expires. To rotate a key, give the new one a new kid and keep the old one in moca.previousKeys',
          )
        }
        inUse = key
        deps.logger.info(
          { kid: key.kid, alg: key.alg },
          'partner key file changed: signing with the new key',
        )
        deps.onChange(key)
      } catch (err) {
        if (load !== latest) return
        deps.logger.error(
          { err: { code: (err as { code?: unknown }).code, message: (err as Error).message } },
          'partner key file changed but holds no usable key; keeping the current key',
        )
      }
    })()
  }
  watchFile(
    deps.path,
    { interval: deps.intervalMs ?? DEFAULT_INTERVAL_MS, persistent: false },
    listener,
  )
  return () => unwatchFile(deps.path, listener)
}
