import type { IncomingMessage } from 'node:http'
import { decodeJwt } from 'jose'
import { AuthRejected } from './auth-rejected.js'
import type { VerifiedPartnerToken } from './partner-token-verifier.js'
import type { PartnerState, SandboxCore } from './sandbox-core.js'

export type Authentication =
  | { readonly ok: true; readonly token: VerifiedPartnerToken; readonly partner: PartnerState }
  | { readonly ok: false; readonly reason: string }

/** Checks `x-partner-auth` (401 on failure): cache first, then full verification, then scope. */
export async function authenticatePartner(
  core: SandboxCore,
  req: IncomingMessage,
): Promise<Authentication> {
  const raw = req.headers['x-partner-auth']
  if (typeof raw !== 'string' || raw === '') {
    return reject(core, 'the x-partner-auth header is missing')
  }
  try {
    let token = core.verifier.cached(raw)
    if (token === undefined) {
      token = await core.verifier.verify(raw)
    } else {
      core.counters.auth.cacheHits += 1
    }
    core.verifier.checkScope(token)
    // verify() only accepts tokens of known partners.
    return { ok: true, token, partner: core.partners.get(token.partnerId)! }
  } catch (err) {
    if (err instanceof AuthRejected) return reject(core, err.reason)
    throw err
  }
}

function reject(core: SandboxCore, reason: string): Authentication {
  core.counters.auth.rejected += 1
  core.logger.info({ reason }, 'sandbox rejected a partner JWT (401)')
  return { ok: false, reason }
}

/** The email a token claims, unverified: only to label a call in the call log. */
export function claimedEmail(req: IncomingMessage): string | null {
  const raw = req.headers['x-partner-auth']
  if (typeof raw !== 'string') return null
  try {
    const email = decodeJwt(raw).email
    return typeof email === 'string' ? email : null
  } catch {
    return null
  }
}
