import { z } from 'zod'

/**
 * The MocaChain Issue-on-Behalf wire contract (shared/reference/issue-on-behalf-api.txt), as zod
 * schemas shared by the client (moca/) and the simulator (sandbox/). Response schemas are loose:
 * MocaChain may add fields, and the client must not break when it does.
 */

export const OnDuplicate = z.enum(['revoke', 'ignore'])
export type OnDuplicate = z.infer<typeof OnDuplicate>

/** Documented default of the API when onDuplicate is omitted. */
export const DEFAULT_ON_DUPLICATE: OnDuplicate = 'revoke'

export const IssueRequestBody = z.object({
  issuerDid: z.string().min(1),
  credentialId: z.string().min(1),
  credentialSubject: z.record(z.string(), z.unknown()),
  onDuplicate: OnDuplicate.optional(),
})
export type IssueRequestBody = z.infer<typeof IssueRequestBody>

export const IssueResponse = z.looseObject({
  coreClaimHash: z.string().min(1),
  credentialId: z.string(),
  userUuid: z.string(),
})
export type IssueResponse = z.infer<typeof IssueResponse>

/** The two documented states. Anything else is surfaced as-is, never crashed on. */
export const KnownVcStatus = { WAIT_ONCHAIN: 'WAIT_ONCHAIN', ONCHAIN: 'ONCHAIN' } as const
export type KnownVcStatus = (typeof KnownVcStatus)[keyof typeof KnownVcStatus]

export const StatusResponse = z.looseObject({
  coreClaimHash: z.string().min(1),
  vcStatus: z.string().min(1),
  issuanceDate: z.string().nullish(),
  issuerDid: z.string().nullish(),
  vcId: z.string().nullish(),
  expirationDate: z.string().nullish(),
  issuerId: z.string().nullish(),
  schemeId: z.string().nullish(),
  vcDstorageId: z.string().nullish(),
})
export type StatusResponse = z.infer<typeof StatusResponse>

/** Documented error body of the credential endpoints: `{ error: <http status>, message }`. */
export const ErrorBody = z.looseObject({
  error: z.union([z.number(), z.string()]).optional(),
  message: z.string().optional(),
})
export type ErrorBody = z.infer<typeof ErrorBody>

/**
 * Base URL presets. The docs name two production hosts (api.mocachain.org in the older
 * generation, mocachain-mainnet.api.air3.com in the newest and in Moca's own reference issuer);
 * we default to the newest and let operators pick the other by URL.
 */
export const MOCA_BASE_URLS = {
  sandbox: 'https://api.sandbox.mocachain.org/v1',
  production: 'https://mocachain-mainnet.api.air3.com/v1',
  'production-legacy': 'https://api.mocachain.org/v1',
} as const
export type MocaEnvironment = keyof typeof MOCA_BASE_URLS

export const ISSUE_PATH = '/credentials/issue-on-behalf'
export const STATUS_PATH = '/credentials/status'

/** Claim `scope` of the partner JWT. Newer docs say "issue on-behalf", older ones "issue". */
export const DEFAULT_PARTNER_SCOPE = 'issue on-behalf'
