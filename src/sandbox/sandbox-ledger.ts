import type { OnDuplicate } from '../domain/moca-api.js'
import type { DuplicateIgnoreMode } from './sandbox-config.js'
import { formatIssuanceDate, newCoreClaimHash, newVcId, userUuidFor } from './moca-value-formats.js'

export interface SandboxUserState {
  readonly email: string
  readonly userUuid: string
  /** The partners whose credentials this user rejected: their issues answer 409. */
  readonly consentRejectedBy: Set<string>
}

export interface SandboxCredential {
  readonly coreClaimHash: string
  readonly vcId: string
  readonly issuerDid: string
  readonly credentialId: string
  readonly partnerId: string
  readonly userUuid: string
  readonly email: string
  readonly issuedAtMs: number
  readonly issuanceDate: string
  revokedAtMs: number | null
}

export interface IssueRequest {
  readonly partnerId: string
  readonly issuerDid: string
  readonly credentialId: string
  readonly email: string
  readonly onDuplicate: OnDuplicate
  readonly duplicateIgnoreMode: DuplicateIgnoreMode
}

export type IssueOutcome =
  | {
      readonly kind: 'issued'
      readonly credential: SandboxCredential
      readonly revoked: SandboxCredential | null
    }
  | { readonly kind: 'returned-existing'; readonly credential: SandboxCredential }
  | { readonly kind: 'duplicate-conflict' }
  | { readonly kind: 'consent-rejected' }

export interface SandboxLedger {
  /** The user for an email, created on first sight as MocaChain auto-creates AIR accounts. */
  user(email: string): SandboxUserState
  /** Consent is per (user, partner): rejecting one partner leaves the others alone. */
  setConsentRejected(email: string, partnerId: string, rejected: boolean): void
  issue(request: IssueRequest): IssueOutcome
  find(coreClaimHash: string): SandboxCredential | undefined
  counts(): { users: number; credentials: number; revoked: number }
  clear(): void
}

/**
 * MocaChain's state: users by email, credentials by coreClaimHash, and the one active credential
 * per (user, program). A "duplicate" is keyed by program; the docs also speak of "user + schema"
 * (mocachain-facts §4.4), and a sandbox program has exactly one schema, so the two agree here.
 * Consent is kept per (user, partner): a user refuses credentials "from this partner" (§4.3).
 */
export function createSandboxLedger(deps: { readonly now: () => number }): SandboxLedger {
  const users = new Map<string, SandboxUserState>()
  const credentials = new Map<string, SandboxCredential>()
  const active = new Map<string, SandboxCredential>()
  let revokedCount = 0

  function user(email: string): SandboxUserState {
    const key = email.toLowerCase()
    let found = users.get(key)
    if (found === undefined) {
      found = { email, userUuid: userUuidFor(email), consentRejectedBy: new Set() }
      users.set(key, found)
    }
    return found
  }

  function mint(request: IssueRequest, holder: SandboxUserState): SandboxCredential {
    const issuedAtMs = deps.now()
    const credential: SandboxCredential = {
      coreClaimHash: newCoreClaimHash(),
      vcId: newVcId(),
      issuerDid: request.issuerDid,
      credentialId: request.credentialId,
      partnerId: request.partnerId,
      userUuid: holder.userUuid,
      email: holder.email,
      issuedAtMs,
      issuanceDate: formatIssuanceDate(issuedAtMs),
      revokedAtMs: null,
    }
    credentials.set(credential.coreClaimHash, credential)
    return credential
  }

  return {
    user,
    setConsentRejected(email, partnerId, rejected) {
      const { consentRejectedBy } = user(email)
      if (rejected) consentRejectedBy.add(partnerId)
      else consentRejectedBy.delete(partnerId)
    },
    issue(request) {
      const holder = user(request.email)
      if (holder.consentRejectedBy.has(request.partnerId)) return { kind: 'consent-rejected' }
      const slot = `${holder.userUuid}\u0000${request.issuerDid}\u0000${request.credentialId}`
      const existing = active.get(slot)
      if (existing !== undefined && request.onDuplicate === 'ignore') {
        return request.duplicateIgnoreMode === 'conflict'
          ? { kind: 'duplicate-conflict' }
          : { kind: 'returned-existing', credential: existing }
      }
      // "revoke" revokes the old credential before issuing the new one ([SEC], [OAS]).
      if (existing !== undefined) {
        existing.revokedAtMs = deps.now()
        revokedCount += 1
      }
      const credential = mint(request, holder)
      active.set(slot, credential)
      return { kind: 'issued', credential, revoked: existing ?? null }
    },
    find(coreClaimHash) {
      return credentials.get(coreClaimHash)
    },
    counts() {
      return { users: users.size, credentials: credentials.size, revoked: revokedCount }
    },
    clear() {
      users.clear()
      credentials.clear()
      active.clear()
      revokedCount = 0
    },
  }
}
