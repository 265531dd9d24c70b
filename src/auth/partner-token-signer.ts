import { SignJWT } from 'jose'
import { DEFAULT_PARTNER_SCOPE } from '../domain/moca-api.js'
import { RelayError } from '../errors/relay-error.js'
import type { SigningKey } from './load-signing-key.js'

/** MocaChain recommends 5-minute partner tokens ([REF], [AUTH]). */
export const DEFAULT_TOKEN_TTL_SECONDS = 300
/** Moca's own tooling refuses longer lifetimes ([SKL] jwt.mjs); a leaked token stays short-lived. */
export const MAX_TOKEN_TTL_SECONDS = 900

export interface PartnerTokenSignerDeps {
  readonly key: SigningKey
  /** The Partner ID from the MocaChain dashboard (claim `partnerId`). */
  readonly partnerId: string
  /** Claim `scope`. Newer docs say "issue on-behalf", older ones "issue". @default "issue on-behalf" */
  readonly scope?: string
  /** Token lifetime (`exp - iat`), at most 900 s. @default 300 */
  readonly ttlSeconds?: number
  /** Milliseconds since the epoch; tests pass a fixed clock. @default Date.now */
  readonly now?: () => number
}

export interface SignedPartnerToken {
  readonly token: string
  /** `exp` in epoch milliseconds. */
  readonly expiresAtMs: number
}

export interface PartnerTokenSigner {
  readonly ttlSeconds: number
  /** Signs one partner JWT for the target user `email`. */
  sign(email: string): Promise<SignedPartnerToken>
}

/**
 * Signs partner JWTs: header `{alg, kid, typ: "JWT"}`, claims `partnerId`, `scope`, `email`,
 * `iat`, `exp`. One token per target user, as MocaChain requires.
 */
export function createPartnerTokenSigner(deps: PartnerTokenSignerDeps): PartnerTokenSigner {
  const ttlSeconds = deps.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS
  const scope = deps.scope ?? DEFAULT_PARTNER_SCOPE
  const now = deps.now ?? Date.now
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > MAX_TOKEN_TTL_SECONDS) {
    throw new RelayError(
      'CONFIG_INVALID',
      `Partner token lifetime must be a whole number of seconds from 1 to ${MAX_TOKEN_TTL_SECONDS} (15 min); got ${ttlSeconds}. MocaChain recommends ${DEFAULT_TOKEN_TTL_SECONDS}.`,
      { classification: 'systemic' },
    )
  }
  if (deps.partnerId.trim() === '') {
    throw new RelayError(
      'CONFIG_INVALID',
      'Partner ID is empty; copy it from the MocaChain dashboard.',
      {
        classification: 'systemic',
      },
    )
  }
  if (scope.trim() === '') {
    throw new RelayError('CONFIG_INVALID', 'Partner token scope is empty; use "issue on-behalf".', {
      classification: 'systemic',
    })
  }
  const header = { alg: deps.key.alg, kid: deps.key.kid, typ: 'JWT' }

  return {
    ttlSeconds,
    async sign(email) {
      const iat = Math.floor(now() / 1000)
      const exp = iat + ttlSeconds
      const token = await new SignJWT({ partnerId: deps.partnerId, scope, email })
        .setProtectedHeader(header)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(deps.key.privateKey)
      return { token, expiresAtMs: exp * 1000 }
    },
  }
}
