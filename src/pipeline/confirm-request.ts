import { z } from 'zod'
import type { ProgramRef, SourceRef } from '../domain/issuance-command.js'

/**
 * The version of the confirm request this build writes and reads. It changes only when a reader
 * of the previous version could not act on the new records correctly; a new optional field (as
 * `epoch` was) keeps it.
 */
export const CONFIRM_REQUEST_VERSION = 1

/** The schema of each field is also what `readConfirmRequest` salvages from a bad record. */
const ProgramRefSchema = z.object({
  issuerDid: z.string().min(1),
  credentialId: z.string().min(1),
}) satisfies z.ZodType<ProgramRef>

const SourceRefSchema = z.object({
  topic: z.string().min(1),
  partition: z.number().int().nonnegative(),
  offset: z.string().regex(/^[0-9]+$/),
  eventId: z.string().nullable(),
}) satisfies z.ZodType<SourceRef>

/**
 * The confirm stage's work item, on the internal confirm-queue topic, written in the same
 * transaction as `credential.issued`. It exists because status calls are signed with the user's
 * email (one partner JWT per target user), and the public `credential.issued` event must not
 * carry the email: internal topics may, public ones may not.
 *
 * Every field the confirm stage reads is checked here, so that a record it cannot act on is
 * recognised as such before anything uses it.
 */
export const ConfirmRequest = z.object({
  v: z.literal(CONFIRM_REQUEST_VERSION),
  idempotencyKey: z.string().min(1),
  generation: z.number().int().nonnegative(),
  route: z.string().min(1),
  program: ProgramRefSchema,
  email: z.string().min(1),
  /** May be empty: a route ordered by partition gives every command the same key, "". */
  orderingKey: z.string(),
  /** May be empty: a redrive reconfirms an issuance whose ledger entry lost it. */
  coreClaimHash: z.string(),
  userUuid: z.string(),
  /** When MocaChain accepted the issuance, epoch ms: the poll schedule and deadline count from here. */
  issuedAt: z.number().int().nonnegative(),
  source: SourceRefSchema,
  /** Passed on when it is valid, dropped otherwise: tracing is best-effort (kafka/traceparent.ts). */
  traceparent: z.string().nullable().catch(null),
  /**
   * The input's W3C tracestate, beside a traceparent (absent: none). Optional, so the version
   * stays: a reader without it passes on the traceparent alone, as it did.
   */
  tracestate: z.string().min(1).optional().catch(undefined),
  /**
   * 0 for the confirmation the issue wrote; a redrive of a CONFIRM_TIMEOUT writes a newer one
   * (epoch ms), which a CONFIRM_FAILED of an older epoch does not stop.
   */
  epoch: z.number().int().nonnegative().optional(),
  /**
   * The replay or redrive run that issued the credential (absent: the live relay): its
   * credential.onchain and credential.failed carry it in their ids, as its credential.issued does.
   */
  run: z.string().min(1).optional(),
  /**
   * The input record had no key. The request is then keyed by its idempotency key, so that every
   * request about one credential (the issue's, each redrive's) reaches the one confirm-queue
   * partition whose ledger settles it; the events it leads to are published without a key, as the
   * input was. Absent: the request's key is the input record's, and so is theirs.
   */
  unkeyed: z.literal(true).optional(),
})
export type ConfirmRequest = z.infer<typeof ConfirmRequest>

/** The fields a failure event can carry, read from a record that is not a confirm request. */
type SalvagedField =
  | 'idempotencyKey'
  | 'generation'
  | 'route'
  | 'program'
  | 'orderingKey'
  | 'coreClaimHash'
  | 'userUuid'
  | 'source'
  | 'traceparent'
  | 'tracestate'
  | 'epoch'
  | 'unkeyed'

/** What could be read of a record that is not a confirm request: each field valid, or null. */
export type SalvagedRequest = {
  readonly [K in SalvagedField]: NonNullable<ConfirmRequest[K]> | null
}

export type ConfirmRequestReading =
  | { readonly kind: 'request'; readonly request: ConfirmRequest }
  /** Written by a relay newer than this one: this build can neither act on it nor pass it by. */
  | { readonly kind: 'newer'; readonly version: number }
  /** Not a confirm request of any version: `reason` says why, for a human. */
  | { readonly kind: 'invalid'; readonly reason: string; readonly salvaged: SalvagedRequest }

/** Issues named in a reason; a record with more is broken beyond what more names would tell. */
const MAX_REASON_ISSUES = 3

export function encodeConfirmRequest(request: ConfirmRequest): Buffer {
  return Buffer.from(JSON.stringify(request))
}

export function readConfirmRequest(value: Buffer | null): ConfirmRequestReading {
  if (value === null) return invalid('it has no value (a tombstone)', {})
  let parsed: unknown
  try {
    parsed = JSON.parse(value.toString('utf8'))
  } catch {
    // JSON.parse's own message quotes the value, which may hold an email.
    return invalid('its value is not JSON', {})
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return invalid('its value is not a JSON object', {})
  const fields = parsed as Record<string, unknown>
  const { v } = fields
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > CONFIRM_REQUEST_VERSION)
    return { kind: 'newer', version: v }
  const result = ConfirmRequest.safeParse(fields)
  if (result.success) return { kind: 'request', request: result.data }
  // Zod's messages name the field and the expected type, never the value (it may be an email).
  const issues = result.error.issues.slice(0, MAX_REASON_ISSUES).map((issue) => {
    const path = issue.path.join('.')
    return path === '' ? issue.message : `${path}: ${issue.message}`
  })
  const more = result.error.issues.length - issues.length
  return invalid(`${issues.join('; ')}${more > 0 ? ` (and ${more} more)` : ''}`, fields)
}

function invalid(reason: string, fields: Record<string, unknown>): ConfirmRequestReading {
  const { shape } = ConfirmRequest
  const read = <T>(schema: z.ZodType<T>, value: unknown): T | null => {
    const result = schema.safeParse(value)
    return result.success ? result.data : null
  }
  return {
    kind: 'invalid',
    reason,
    salvaged: {
      idempotencyKey: read(shape.idempotencyKey, fields.idempotencyKey),
      generation: read(shape.generation, fields.generation),
      route: read(shape.route, fields.route),
      program: read(shape.program, fields.program),
      orderingKey: read(shape.orderingKey, fields.orderingKey),
      coreClaimHash: read(shape.coreClaimHash, fields.coreClaimHash),
      userUuid: read(shape.userUuid, fields.userUuid),
      source: read(shape.source, fields.source),
      traceparent: read(shape.traceparent, fields.traceparent),
      tracestate: read(shape.tracestate, fields.tracestate) ?? null,
      epoch: read(shape.epoch, fields.epoch) ?? null,
      unkeyed: read(shape.unkeyed, fields.unkeyed) ?? null,
    },
  }
}
