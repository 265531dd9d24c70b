import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { calculateJwkThumbprint, type JWK } from 'jose'
import { JWKS_FILE } from './write-partner-key-files.js'

/**
 * The kid under which the JWKS beside a key file (`keys generate` writes both into one folder)
 * publishes that key, matched by RFC 7638 thumbprint, so that a key rotated with --force finds its
 * own entry. Null when there is no readable JWKS there or it does not hold the key: a token is
 * only a helper, so an unreadable JWKS means "not named", not an error.
 */
export async function publishedKidOf(
  keyPath: string,
  publicJwk: JWK,
): Promise<{ kid: string; jwksPath: string } | null> {
  const jwksPath = join(dirname(keyPath), JWKS_FILE)
  let keys: unknown
  try {
    keys = (JSON.parse(await readFile(jwksPath, 'utf8')) as { keys?: unknown }).keys
  } catch {
    return null
  }
  if (!Array.isArray(keys)) return null
  const wanted = await calculateJwkThumbprint(publicJwk, 'sha256')
  for (const entry of keys as JWK[]) {
    if (typeof entry?.kid !== 'string') continue
    const thumbprint = await calculateJwkThumbprint(entry, 'sha256').catch(() => null)
    if (thumbprint === wanted) return { kid: entry.kid, jwksPath }
  }
  return null
}
