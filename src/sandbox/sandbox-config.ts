import { z } from 'zod'
import { DEFAULT_PARTNER_SCOPE } from '../domain/moca-api.js'
import { SandboxFaults } from './sandbox-faults.js'

/** "A configurable delay of a few seconds" (mocachain-facts §4.7); the chain itself has ~1 s blocks. */
export const DEFAULT_ONCHAIN_DELAY_MS = 3_000
/** jose createRemoteJWKSet defaults (perf-anchors C7); MocaChain's own cache TTL is undocumented. */
export const DEFAULT_JWKS_CACHE_MAX_AGE_MS = 10 * 60_000
export const DEFAULT_JWKS_COOLDOWN_MS = 30_000
export const DEFAULT_JWKS_TIMEOUT_MS = 5_000
/** A ring of this many issue calls is ~30 MB at most; the counters stay exact beyond it. */
export const DEFAULT_CALL_LOG_LIMIT = 100_000
/** Verified tokens remembered: one per active user within a token lifetime. */
export const DEFAULT_VERIFIED_TOKEN_CACHE_MAX = 100_000

export const ScopeMode = { strict: 'strict', lenient: 'lenient' } as const
export type ScopeMode = (typeof ScopeMode)[keyof typeof ScopeMode]

/** The scopes the docs have used: newer "issue on-behalf", older "issue" (mocachain-facts §2). */
export const LENIENT_SCOPES: readonly string[] = [DEFAULT_PARTNER_SCOPE, 'issue']

export const DuplicateIgnoreMode = {
  returnExisting: 'return-existing',
  conflict: 'conflict',
} as const
export type DuplicateIgnoreMode = (typeof DuplicateIgnoreMode)[keyof typeof DuplicateIgnoreMode]

export const ConflictMessages = { distinct: 'distinct', combined: 'combined' } as const
export type ConflictMessages = (typeof ConflictMessages)[keyof typeof ConflictMessages]

/**
 * Behaviour switches, changeable at run time through the control API. Where the docs disagree,
 * the default follows the API reference ([API]/[OAS]) and the switch gives the other reading.
 */
export const SandboxSettings = z.strictObject({
  /** The scope strict mode requires. */
  scope: z.string().min(1).default(DEFAULT_PARTNER_SCOPE),
  /** strict: scope must equal `scope`; lenient: "issue on-behalf" or "issue" (older docs). */
  scopeMode: z.enum([ScopeMode.strict, ScopeMode.lenient]).default(ScopeMode.strict),
  /** onDuplicate "ignore" with an existing credential: 200 with it ([API]/[OAS]) or 409 ([CI]/[ERR]). */
  duplicateIgnoreMode: z
    .enum([DuplicateIgnoreMode.returnExisting, DuplicateIgnoreMode.conflict])
    .default(DuplicateIgnoreMode.returnExisting),
  /**
   * 409 messages: "distinct" says consent or duplicate; "combined" answers the live API's
   * "Consent rejected by user or duplicate conflict." for both, so clients must cope with it.
   */
  conflictMessages: z
    .enum([ConflictMessages.distinct, ConflictMessages.combined])
    .default(ConflictMessages.distinct),
  /** Time from issuance until status reports ONCHAIN. */
  onchainDelayMs: z.number().int().min(0).default(DEFAULT_ONCHAIN_DELAY_MS),
  /** Never reach ONCHAIN (a stuck chain). */
  stuck: z.boolean().default(false),
  /**
   * Status answers "No credential found" until this long after issuance: a status index that
   * lags the issue call (MocaChain does not say how soon a new hash can be looked up).
   */
  statusLagMs: z.number().int().min(0).default(0),
  /** Status answers 404 unless the JWT email is the credential's holder (undocumented either way). */
  statusRequiresHolderEmail: z.boolean().default(false),
  /** Leeway on exp, in seconds. MocaChain's is undocumented; 0 catches clients that cut it fine. */
  clockToleranceSeconds: z.number().int().min(0).default(0),
})
export type SandboxSettings = z.infer<typeof SandboxSettings>
export const SandboxSettingsPatch = SandboxSettings.partial()
export type SandboxSettingsPatch = z.infer<typeof SandboxSettingsPatch>

// http allowed: the sandbox runs next to the JWKS it reads; the real service insists on https.
const httpUrl = z.url({ protocol: /^https?$/ })

export const SandboxPartner = z.strictObject({
  partnerId: z.string().min(1),
  /** Where the sandbox fetches the partner's public keys. */
  jwksUrl: httpUrl,
  /** The Issue-on-Behalf feature flag of the dashboard; off → 403. */
  issueOnBehalfEnabled: z.boolean().default(true),
})
export type SandboxPartner = z.infer<typeof SandboxPartner>

export const SandboxProgram = z.strictObject({
  /** The Issuance Program ID (the API calls it credentialId). */
  credentialId: z.string().min(1),
  issuerDid: z.string().min(1),
  /** The partner whose issuer runs this program. */
  partnerId: z.string().min(1),
  /** The DID that owns the program's schema; another DID than issuerDid → 403. @default issuerDid */
  schemaOwnerDid: z.string().min(1).optional(),
  /** JSON Schema (draft 2020-12 subset ajv 8 knows) for credentialSubject. */
  credentialSubjectSchema: z.record(z.string(), z.unknown()).default({ type: 'object' }),
})
export type SandboxProgram = z.infer<typeof SandboxProgram>

export const SandboxUser = z.strictObject({
  email: z.string().min(3),
  /**
   * The partner the consent below is about: consent is per (user, partner), so list a user once
   * per partner. Required when the sandbox has several partners.
   * @default the only partner
   */
  partnerId: z.string().min(1).optional(),
  /** The user rejected this partner's credentials: its issues answer 409, other partners' do not. */
  consentRejected: z.boolean().default(false),
})

export const SandboxJwksSettings = z.strictObject({
  /** A cached JWKS is refetched once older than this. */
  cacheMaxAgeMs: z.number().int().min(0).default(DEFAULT_JWKS_CACHE_MAX_AGE_MS),
  /**
   * A kid with no key fitting the token (unknown, or its key type changed) refetches at most
   * this often.
   */
  cooldownMs: z.number().int().min(0).default(DEFAULT_JWKS_COOLDOWN_MS),
  timeoutMs: z.number().int().positive().default(DEFAULT_JWKS_TIMEOUT_MS),
})

export const SandboxConfig = z
  .strictObject({
    partners: z.array(SandboxPartner).min(1),
    programs: z.array(SandboxProgram).default([]),
    users: z.array(SandboxUser).default([]),
    settings: SandboxSettings.prefault({}),
    jwks: SandboxJwksSettings.prefault({}),
    faults: SandboxFaults.prefault({}),
    /** Seed of the random draws of faults and latency, so a run can be replayed. */
    seed: z.number().int().default(1),
    callLogLimit: z.number().int().positive().default(DEFAULT_CALL_LOG_LIMIT),
    verifiedTokenCacheMax: z.number().int().positive().default(DEFAULT_VERIFIED_TOKEN_CACHE_MAX),
  })
  .superRefine((config, ctx) => {
    const partnerIds = new Set<string>()
    config.partners.forEach((p, i) => {
      if (partnerIds.has(p.partnerId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['partners', i, 'partnerId'],
          message: 'duplicate partnerId',
        })
      }
      partnerIds.add(p.partnerId)
    })
    const programIds = new Set<string>()
    config.programs.forEach((p, i) => {
      if (!partnerIds.has(p.partnerId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['programs', i, 'partnerId'],
          message: `no partner "${p.partnerId}" in partners`,
        })
      }
      if (programIds.has(p.credentialId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['programs', i, 'credentialId'],
          message: 'duplicate credentialId',
        })
      }
      programIds.add(p.credentialId)
    })
    config.users.forEach((u, i) => {
      const problem = consentPartnerProblem(u.partnerId, partnerIds)
      if (problem !== null) {
        ctx.addIssue({ code: 'custom', path: ['users', i, 'partnerId'], message: problem })
      }
    })
  })
export type SandboxConfig = z.infer<typeof SandboxConfig>
export type SandboxConfigInput = z.input<typeof SandboxConfig>

/**
 * Why a consent setting cannot name its partner, or null. Leaving partnerId out is fine only when
 * one partner is configured: consent is per (user, partner), and guessing among several would
 * refuse or allow the wrong one.
 */
export function consentPartnerProblem(
  partnerId: string | undefined,
  partnerIds: ReadonlySet<string>,
): string | null {
  if (partnerId === undefined) {
    return partnerIds.size === 1
      ? null
      : `partnerId is required: consent is per (user, partner) and there are ${partnerIds.size} partners`
  }
  return partnerIds.has(partnerId) ? null : `no partner "${partnerId}" in partners`
}
