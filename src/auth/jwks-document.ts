import { RelayError } from '../errors/relay-error.js'
import { findPrivateJwkMembers } from './private-jwk-members.js'
import type { SigningAlgorithm } from './signing-algorithm.js'

/** One public key as the JWKS publishes it ([JWKS]: kty, use "sig", alg, kid, crv/x/y or n/e). */
export interface PublicJwk {
  readonly kty: string
  readonly kid: string
  readonly alg: string
  readonly use: 'sig'
  readonly crv?: string
  readonly x?: string
  readonly y?: string
  readonly n?: string
  readonly e?: string
}

/** Any JWK-shaped object, public or private. */
export type JwkMembers = Readonly<Record<string, unknown>>

export interface JwksDocument {
  readonly keys: readonly PublicJwk[]
}

/** The public members worth publishing; anything else (private members, `ext`, `key_ops`) is dropped. */
const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e'] as const

/**
 * Copies the public members of a JWK (public or private) and stamps kid, alg and use. An allow-list
 * rather than a deny-list, so a member we never heard of cannot leak either.
 */
export function toPublicJwk(
  jwk: JwkMembers,
  meta: { readonly kid: string; readonly alg: SigningAlgorithm | string },
): PublicJwk {
  const out: Record<string, unknown> = {}
  for (const member of PUBLIC_MEMBERS) {
    if (typeof jwk[member] === 'string') out[member] = jwk[member]
  }
  if (typeof out.kty !== 'string') {
    throw new RelayError('KEY_INVALID', `JWK "${meta.kid}" has no "kty" member.`, {
      classification: 'systemic',
    })
  }
  return Object.freeze({ ...out, kid: meta.kid, alg: meta.alg, use: 'sig' }) as PublicJwk
}

/** True when two JWKs hold the same public key, whatever their kid, alg or use. */
export function samePublicKey(
  a: Readonly<Partial<Record<(typeof PUBLIC_MEMBERS)[number], unknown>>>,
  b: Readonly<Partial<Record<(typeof PUBLIC_MEMBERS)[number], unknown>>>,
): boolean {
  return PUBLIC_MEMBERS.every((member) => a[member] === b[member])
}

/**
 * The JWKS the partner serves to MocaChain: the active key first, then previous keys kept during a
 * rotation (publish the new key before signing with it; drop the old one only once no token
 * signed with it can still be in flight). Every entry is re-sanitised, then checked again: a JWKS
 * is public, and a private member in it would hand the signing key to anyone.
 */
export function createJwksDocument(keys: readonly (PublicJwk | JwkMembers)[]): JwksDocument {
  const seen = new Set<string>()
  const published = keys.map((entry) => {
    const jwk = entry as JwkMembers
    const kid = jwk.kid
    const alg = jwk.alg
    if (typeof kid !== 'string' || kid === '' || typeof alg !== 'string' || alg === '') {
      throw new RelayError('KEY_INVALID', 'Every JWKS entry needs a non-empty "kid" and "alg".', {
        classification: 'systemic',
      })
    }
    if (seen.has(kid)) {
      throw new RelayError('KEY_INVALID', `Two JWKS entries share the kid "${kid}".`, {
        classification: 'systemic',
      })
    }
    seen.add(kid)
    return toPublicJwk(jwk, { kid, alg })
  })
  for (const jwk of published) {
    const leaked = findPrivateJwkMembers(jwk)
    if (leaked.length > 0) {
      // Unreachable by construction; kept because the cost of being wrong is a leaked key.
      throw new Error(`JWKS entry ${jwk.kid} still holds private members (${leaked.join(', ')})`)
    }
  }
  return Object.freeze({ keys: Object.freeze(published) })
}
