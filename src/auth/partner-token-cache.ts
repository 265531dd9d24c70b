import { RelayError } from '../errors/relay-error.js'
import type { PartnerTokenSigner, SignedPartnerToken } from './partner-token-signer.js'

/**
 * Enough for the users active within one token lifetime at a few thousand issuances per second
 * spread over many users; an entry is ~0.6 KB, so the cache stays under ~6 MB.
 */
export const DEFAULT_TOKEN_CACHE_MAX_ENTRIES = 10_000
/**
 * A token is replaced once less than this is left: covers clock skew with MocaChain plus a slow
 * request, so no token expires in flight. Moca's reference issuer keeps ~2 min of a 15-min token.
 */
export const DEFAULT_REFRESH_BEFORE_EXPIRY_MS = 60_000

/** What the MocaChain client needs: a valid partner JWT for a target user. */
export interface PartnerTokens {
  tokenFor(email: string): Promise<string>
}

export interface PartnerTokenCache extends PartnerTokens {
  /** Tokens held now (bounded by maxEntries). */
  readonly size: number
  clear(): void
}

export interface PartnerTokenCacheDeps {
  readonly signer: PartnerTokenSigner
  /** Most tokens kept; the least recently used goes first. @default 10000 */
  readonly maxEntries?: number
  /**
   * Sign anew when less than this is left before `exp`.
   * @default 60000, or half the token lifetime when that is shorter
   */
  readonly refreshBeforeExpiryMs?: number
  /** @default Date.now */
  readonly now?: () => number
}

/**
 * Reuses one token per email until shortly before it expires. Concurrent requests for the same
 * email share one in-flight signature, so a burst for one user costs one sign, not N.
 */
export function createPartnerTokenCache(deps: PartnerTokenCacheDeps): PartnerTokenCache {
  const maxEntries = deps.maxEntries ?? DEFAULT_TOKEN_CACHE_MAX_ENTRIES
  // moca.tokenTtl may be as short as 30 s: a fixed 60 s margin would leave no usable lifetime.
  const refreshBeforeMs =
    deps.refreshBeforeExpiryMs ??
    Math.min(DEFAULT_REFRESH_BEFORE_EXPIRY_MS, (deps.signer.ttlSeconds * 1000) / 2)
  const now = deps.now ?? Date.now
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw configError(`token cache maxEntries must be a positive integer; got ${maxEntries}`)
  }
  if (refreshBeforeMs < 0 || refreshBeforeMs >= deps.signer.ttlSeconds * 1000) {
    throw configError(
      `refreshBeforeExpiryMs (${refreshBeforeMs}) must be below the token lifetime (${deps.signer.ttlSeconds * 1000} ms), or every call would sign a new token`,
    )
  }

  // A Map iterates in insertion order; re-inserting on use makes its first key the LRU entry.
  const tokens = new Map<string, SignedPartnerToken>()
  const inFlight = new Map<string, Promise<string>>()

  function remember(email: string, signed: SignedPartnerToken): void {
    tokens.delete(email)
    tokens.set(email, signed)
    while (tokens.size > maxEntries) {
      const oldest = tokens.keys().next().value
      if (oldest === undefined) break
      tokens.delete(oldest)
    }
  }

  /** Bumped by clear(): a signature started before it (an old key) is never cached. */
  let generation = 0

  function signFresh(email: string): Promise<string> {
    const startedIn = generation
    // A signature started before clear() may finish while a newer one for the same email is
    // under way: each removes its own entry only.
    const settle = (): void => {
      if (inFlight.get(email) === pending) inFlight.delete(email)
    }
    const pending: Promise<string> = deps.signer.sign(email).then(
      (signed) => {
        settle()
        if (startedIn === generation) remember(email, signed)
        return signed.token
      },
      (err: unknown) => {
        // Failures are not cached: the next call tries again.
        settle()
        throw err
      },
    )
    inFlight.set(email, pending)
    return pending
  }

  return {
    get size() {
      return tokens.size
    },
    clear() {
      generation++
      tokens.clear()
      inFlight.clear()
    },
    tokenFor(email) {
      const cached = tokens.get(email)
      if (cached !== undefined && cached.expiresAtMs - now() > refreshBeforeMs) {
        tokens.delete(email)
        tokens.set(email, cached)
        return Promise.resolve(cached.token)
      }
      return inFlight.get(email) ?? signFresh(email)
    },
  }
}

function configError(message: string): RelayError {
  return new RelayError('CONFIG_INVALID', `Partner token cache: ${message}.`, {
    classification: 'systemic',
  })
}
