import { importJWK, type CryptoKey, type JWK } from 'jose'
import type { Dispatcher } from 'undici'
import { findPrivateJwkMembers } from '../auth/private-jwk-members.js'
import type { SigningAlgorithm } from '../auth/signing-algorithm.js'
import type { Logger } from '../ops/logger.js'
import { AuthRejected } from './auth-rejected.js'

/** A JWKS is a few keys; anything larger is not one. */
const MAX_JWKS_BYTES = 64 * 1024

export interface RemoteJwksDeps {
  readonly url: string
  readonly cacheMaxAgeMs: number
  readonly cooldownMs: number
  readonly timeoutMs: number
  readonly dispatcher: Dispatcher
  readonly logger: Logger
  readonly now: () => number
  /** Called after each fetch attempt, for the sandbox's counters. */
  readonly onFetch: (ok: boolean) => void
}

export interface ResolvedKey {
  readonly key: CryptoKey
  /** The key may be trusted until then: when the cached JWKS is due for a refetch. */
  readonly validUntilMs: number
}

export interface RemoteJwks {
  getKey(kid: string, alg: SigningAlgorithm): Promise<ResolvedKey>
  clear(): void
}

interface Snapshot {
  readonly fetchedAtMs: number
  readonly jwks: ReadonlyMap<string, JWK>
  readonly imported: Map<string, Promise<CryptoKey>>
}

/**
 * A partner's JWKS as MocaChain would hold it (semantics of jose's createRemoteJWKSet): fetched on
 * first use, reused until `cacheMaxAgeMs`, refetched early for an unknown kid at most once per
 * `cooldownMs`, concurrent fetches shared. A JWKS holding private key members is refused whole.
 */
export function createRemoteJwks(deps: RemoteJwksDeps): RemoteJwks {
  let snapshot: Snapshot | null = null
  let pending: Promise<Snapshot> | null = null

  function refresh(): Promise<Snapshot> {
    pending ??= fetchJwks().then(
      (next) => {
        pending = null
        snapshot = next
        deps.onFetch(true)
        return next
      },
      (err: unknown) => {
        pending = null
        deps.onFetch(false)
        throw err
      },
    )
    return pending
  }

  async function fetchJwks(): Promise<Snapshot> {
    let text: string
    try {
      const res = await deps.dispatcher.request({
        ...splitUrl(deps.url),
        method: 'GET',
        headers: { accept: 'application/json' },
        headersTimeout: deps.timeoutMs,
        bodyTimeout: deps.timeoutMs,
        signal: AbortSignal.timeout(deps.timeoutMs),
      })
      if (res.statusCode !== 200) {
        await res.body.dump()
        throw new AuthRejected(`JWKS at ${deps.url} answered HTTP ${res.statusCode}`)
      }
      text = await res.body.text()
    } catch (err) {
      if (err instanceof AuthRejected) throw err
      const code = (err as { code?: unknown }).code
      throw new AuthRejected(
        `JWKS at ${deps.url} is unreachable (${typeof code === 'string' ? code : String(err)})`,
      )
    }
    return parseJwks(text)
  }

  function parseJwks(text: string): Snapshot {
    if (text.length > MAX_JWKS_BYTES) throw new AuthRejected(`JWKS at ${deps.url} is too large`)
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch {
      throw new AuthRejected(`JWKS at ${deps.url} is not JSON`)
    }
    const keys = (doc as { keys?: unknown } | null)?.keys
    if (!Array.isArray(keys)) throw new AuthRejected(`JWKS at ${deps.url} has no "keys" array`)
    const jwks = new Map<string, JWK>()
    for (const key of keys as unknown[]) {
      if (typeof key !== 'object' || key === null) continue
      const leaked = findPrivateJwkMembers(key)
      if (leaked.length > 0) {
        const reason = `JWKS at ${deps.url} contains private key members (${leaked.join(', ')}): it must publish public keys only; the private key is compromised and must be replaced`
        deps.logger.warn(
          { jwksUrl: deps.url, members: leaked },
          'refusing a JWKS that publishes private key material',
        )
        throw new AuthRejected(reason)
      }
      const jwk = key as JWK
      if (typeof jwk.kid === 'string' && (jwk.use === undefined || jwk.use === 'sig')) {
        jwks.set(jwk.kid, jwk)
      }
    }
    return { fetchedAtMs: deps.now(), jwks, imported: new Map() }
  }

  async function current(): Promise<Snapshot> {
    if (snapshot !== null && deps.now() - snapshot.fetchedAtMs < deps.cacheMaxAgeMs) return snapshot
    return refresh()
  }

  return {
    async getKey(kid, alg) {
      let snap = await current()
      if (!snap.jwks.has(kid) && deps.now() - snap.fetchedAtMs >= deps.cooldownMs) {
        snap = await refresh()
      }
      const jwk = snap.jwks.get(kid)
      if (jwk === undefined)
        throw new AuthRejected(`kid "${kid}" is not in the JWKS at ${deps.url}`)
      assertFits(jwk, kid, alg)
      let imported = snap.imported.get(alg + kid)
      if (imported === undefined) {
        imported = importJWK(jwk, alg) as Promise<CryptoKey>
        snap.imported.set(alg + kid, imported)
      }
      try {
        return { key: await imported, validUntilMs: snap.fetchedAtMs + deps.cacheMaxAgeMs }
      } catch {
        throw new AuthRejected(`JWKS key "${kid}" cannot be imported for ${alg}`)
      }
    },
    clear() {
      snapshot = null
    },
  }
}

/** The JWT's alg must match the JWKS key type ([AUTH]): EC P-256 for ES256, RSA for RS256. */
function assertFits(jwk: JWK, kid: string, alg: SigningAlgorithm): void {
  const fits = alg === 'ES256' ? jwk.kty === 'EC' && jwk.crv === 'P-256' : jwk.kty === 'RSA'
  if (!fits || (jwk.alg !== undefined && jwk.alg !== alg)) {
    const type = jwk.kty === 'EC' ? `EC ${jwk.crv ?? '?'}` : (jwk.kty ?? 'unknown')
    throw new AuthRejected(
      `JWKS key "${kid}" is ${type}${jwk.alg === undefined ? '' : ` for ${jwk.alg}`}, which does not fit the token's alg ${alg}`,
    )
  }
}

function splitUrl(url: string): { origin: string; path: string } {
  const u = new URL(url)
  return { origin: u.origin, path: `${u.pathname}${u.search}` }
}
