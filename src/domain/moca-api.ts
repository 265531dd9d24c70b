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

/**
 * An optional text field read leniently: the docs give value formats as shapes, not guarantees
 * (shared/reference/mocachain-facts.md §1.4), and a type the docs do not give is read as "not
 * reported" rather than refusing an answer that carries everything the relay needs.
 */
const OptionalText = z.string().nullish().catch(null)

/**
 * Strict only where the relay needs the field: coreClaimHash (polled, published) and userUuid
 * (credential.issued and credential.onchain require it as a string: their schemas are the public
 * contract, so an answer without one stays unreadable).
 */
export const IssueResponse = z.looseObject({
  coreClaimHash: z.string().min(1),
  userUuid: z.string(),
  /** Echoed by MocaChain; the relay publishes the program of its own route. */
  credentialId: OptionalText,
})
export type IssueResponse = z.infer<typeof IssueResponse>

/** The two documented states. Anything else is surfaced as-is, never crashed on. */
export const KnownVcStatus = { WAIT_ONCHAIN: 'WAIT_ONCHAIN', ONCHAIN: 'ONCHAIN' } as const
export type KnownVcStatus = (typeof KnownVcStatus)[keyof typeof KnownVcStatus]

/**
 * What credential.onchain may publish as vcId: the documented string, or a number read as its
 * decimal string. Any other type reads as not reported (null), which the event allows.
 */
const VcId = z
  .union([z.string(), z.number().finite().transform(String)])
  .nullish()
  .catch(null)

/**
 * Strict only where the relay needs the field: coreClaimHash (which credential the answer is
 * about) and vcStatus. The rest is passed through or unused, and read leniently.
 */
export const StatusResponse = z.looseObject({
  coreClaimHash: z.string().min(1),
  vcStatus: z.string().min(1),
  vcId: VcId,
  issuanceDate: OptionalText,
  issuerDid: OptionalText,
  expirationDate: OptionalText,
  issuerId: OptionalText,
  schemeId: OptionalText,
  vcDstorageId: OptionalText,
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
