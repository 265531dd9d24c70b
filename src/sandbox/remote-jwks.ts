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
  /** Every published key by kid, refused ones too, so a refusal can say why. */
  readonly jwks: ReadonlyMap<string, readonly JWK[]>
  readonly imported: Map<string, Promise<CryptoKey>>
}

/**
 * A partner's JWKS as MocaChain would hold it (semantics of jose's createRemoteJWKSet): fetched on
 * first use, reused until `cacheMaxAgeMs`, refetched early when no key of the kid fits the token
 * (an unknown kid, or one kept across a change of key type) at most once per `cooldownMs`,
 * concurrent fetches shared. A JWKS holding private key members is refused whole.
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
    const jwks = new Map<string, JWK[]>()
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
      if (typeof jwk.kid !== 'string') continue
      const sameKid = jwks.get(jwk.kid)
      if (sameKid) sameKid.push(jwk)
      else jwks.set(jwk.kid, [jwk])
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
      // jose refetches on any "no matching key": a kid kept across a change of key type (kid =
      // Partner ID, [JWKS]) has keys, none of which can verify this token.
      const noFittingKey = !(snap.jwks.get(kid)?.some((jwk) => fits(jwk, alg)) ?? false)
      if (noFittingKey && deps.now() - snap.fetchedAtMs >= deps.cooldownMs) {
        snap = await refresh()
      }
      const published = snap.jwks.get(kid)
      if (published === undefined)
        throw new AuthRejected(`kid "${kid}" is not in the JWKS at ${deps.url}`)
      const jwk = pickKey(published, kid, alg)
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

/**
 * RFC 7517 §4.2–4.3, as jose selects keys: a key without `use` may verify, one with any other use
 * than "sig" may not; and a key with `key_ops` may verify only if they include "verify".
 */
function mayVerify(jwk: JWK): boolean {
  return (
    (jwk.use === undefined || jwk.use === 'sig') &&
    (jwk.key_ops === undefined || jwk.key_ops.includes('verify'))
  )
}

/**
 * The key of this kid that may verify the token, as jose's JWKS key selection has it: one for
 * signatures (`use`), of the type the token's alg needs ([AUTH]: EC P-256 for ES256, RSA for
 * RS256), and declaring that alg if it declares one (RFC 7517 §4.4). When none does, the refusal
 * says what is wrong with the kid's first key, so the partner sees which member to fix.
 */
function pickKey(published: readonly JWK[], kid: string, alg: SigningAlgorithm): JWK {
  const forSignatures = published.filter(mayVerify)
  const fitting = forSignatures.find((jwk) => fits(jwk, alg))
  if (fitting !== undefined) return fitting
  const [first] = forSignatures
  if (first === undefined) {
    const refused = published[0]
    throw new AuthRejected(
      refused?.use !== undefined && refused.use !== 'sig'
        ? `JWKS key "${kid}" is published with use "${refused.use}": only a key with use "sig" (or no use) can verify a signature`
        : `JWKS key "${kid}" is published with key_ops ${JSON.stringify(refused?.key_ops)}: only a key whose key_ops include "verify" (or that has none) can verify a signature`,
    )
  }
  if (!fitsType(first, alg)) {
    const type = first.kty === 'EC' ? `EC ${first.crv ?? '?'}` : (first.kty ?? 'unknown')
    throw new AuthRejected(
      `JWKS key "${kid}" is ${type}${first.alg === undefined ? '' : ` for ${first.alg}`}, which does not fit the token's alg ${alg}`,
    )
  }
  throw new AuthRejected(
    `JWKS key "${kid}" declares alg ${String(first.alg)}, but the token is signed with ${alg}`,
  )
}

/** A key jose's JWKS selection would pick for a token of this alg (the kid already matched). */
function fits(jwk: JWK, alg: SigningAlgorithm): boolean {
  return mayVerify(jwk) && fitsType(jwk, alg) && declaresNoOtherAlg(jwk, alg)
}

function fitsType(jwk: JWK, alg: SigningAlgorithm): boolean {
  return alg === 'ES256' ? jwk.kty === 'EC' && jwk.crv === 'P-256' : jwk.kty === 'RSA'
}

function declaresNoOtherAlg(jwk: JWK, alg: SigningAlgorithm): boolean {
  return jwk.alg === undefined || jwk.alg === alg
}

function splitUrl(url: string): { origin: string; path: string } {
  const u = new URL(url)
  return { origin: u.origin, path: `${u.pathname}${u.search}` }
}
