import { unwatchFile, watchFile, type Stats } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { Logger } from '../ops/logger.js'
import { keySourceFromText, loadSigningKey, type SigningKey } from './load-signing-key.js'
import type { SigningAlgorithm } from './signing-algorithm.js'

export interface WatchKeyFileDeps {
  readonly path: string
  readonly alg: SigningAlgorithm
  readonly kid: string
  /** A new, valid key was read from the file. */
  readonly onChange: (key: SigningKey) => void
  readonly logger: Logger
  /** How often the file is looked at. @default 2000 */
  readonly intervalMs?: number
}

/** Often enough to fix a wrong key within seconds, rarely enough to cost nothing. */
const DEFAULT_INTERVAL_MS = 2_000

/**
 * Reloads the partner key when its file changes, so an operator fixes a wrong key (or rotates
 * one) without restarting the relay. A file that does not hold a usable key is reported and
 * ignored: the relay keeps the key it has. Returns the function that stops watching.
 */
export function watchKeyFile(deps: WatchKeyFileDeps): () => void {
  const listener = (current: Stats, previous: Stats): void => {
    if (current.mtimeMs === previous.mtimeMs && current.size === previous.size) return
    void (async () => {
      try {
        const key = await loadSigningKey({
          source: keySourceFromText(await readFile(deps.path, 'utf8')),
          alg: deps.alg,
          kid: deps.kid,
        })
        deps.logger.info(
          { kid: key.kid, alg: key.alg },
          'partner key file changed: signing with the new key',
        )
        deps.onChange(key)
      } catch (err) {
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
