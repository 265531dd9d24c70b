import type { IncomingMessage, ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { maskEmail } from '../domain/mask-email.js'
import { DEFAULT_ON_DUPLICATE, type OnDuplicate } from '../domain/moca-api.js'
import { mediaTypeOf } from '../kafka/content-type.js'
import { authenticatePartner, claimedEmail } from './authenticate-partner.js'
import type { CallAction, IssueCallInput } from './call-log.js'
import { answerFault, countAnswer, isBeforeWork } from './fault-responses.js'
import { BodyTooLarge, readRequestBody, sendJson, sendMocaError } from './http-io.js'
import { MocaMessages } from './moca-messages.js'
import type { SandboxCore } from './sandbox-core.js'

/** What MocaChain's logic decided for one issue call, before any after-work fault. */
interface IssueAnswer {
  readonly httpStatus: number
  readonly body: unknown
  readonly email: string | null
  readonly action: CallAction | null
  readonly coreClaimHash: string | null
  readonly revokedCoreClaimHash: string | null
  readonly reason: string | null
}

/** The one media type the API lists for its required Content-Type header ([API]). */
const JSON_MEDIA_TYPE = 'application/json'

type Fields = Pick<IssueCallInput, 'issuerDid' | 'credentialId' | 'onDuplicate' | 'idempotencyKey'>

/**
 * POST /v1/credentials/issue-on-behalf. The story: read the body, wait the injected latency, maybe
 * fail before any work, authenticate, run MocaChain's checks and issuance, maybe fail after the
 * work, answer, and record the call.
 */
export async function handleIssue(
  core: SandboxCore,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const atMs = core.now()
  const stats = core.counters.issue
  stats.received += 1
  let text: string
  try {
    text = await readRequestBody(req)
  } catch (err) {
    if (!(err instanceof BodyTooLarge)) return // the client went away mid-body
    // Answered once the body was drained; the connection closes after it.
    sendMocaError(res, 413, MocaMessages.payloadTooLarge, { headers: { connection: 'close' } })
    countAnswer(stats, 413)
    return
  }
  const body = parseObject(text)
  const fields = recordFields(body, req)
  const decision = core.plan.decide('issue', () => claimedEmail(req))
  if (decision.latencyMs > 0) await sleep(decision.latencyMs)

  if (decision.fault !== null && isBeforeWork(decision.fault)) {
    const httpStatus = answerFault(req, res, decision.fault, decision.retryAfterSeconds, stats)
    core.calls.record({
      atMs,
      ...fields,
      email: claimedEmail(req),
      httpStatus,
      outcome: outcomeOf(httpStatus, decision.fault),
      fault: decision.fault,
      applied: false,
      action: null,
      coreClaimHash: null,
      revokedCoreClaimHash: null,
      reason: null,
    })
    return
  }

  const answer = await decide(core, req, body)
  const applied = answer.action === 'issued' || answer.action === 'reissued'
  if (applied) stats.applied += 1
  let httpStatus: number | null = answer.httpStatus
  if (decision.fault !== null) {
    httpStatus = answerFault(req, res, decision.fault, decision.retryAfterSeconds, stats)
  } else {
    sendJson(res, answer.httpStatus, answer.body)
    countAnswer(stats, answer.httpStatus)
  }
  core.calls.record({
    atMs,
    ...fields,
    email: answer.email ?? claimedEmail(req),
    httpStatus,
    outcome: outcomeOf(httpStatus, decision.fault),
    fault: decision.fault,
    applied,
    action: answer.action,
    coreClaimHash: answer.coreClaimHash,
    revokedCoreClaimHash: answer.revokedCoreClaimHash,
    reason: answer.reason,
  })
  if (applied && core.logger.isLevelEnabled('debug')) {
    core.logger.debug(
      {
        email: maskEmail(answer.email ?? ''),
        coreClaimHash: answer.coreClaimHash,
        action: answer.action,
      },
      'sandbox issued a credential',
    )
  }
}

/**
 * MocaChain's checks in its documented order: 401, 403 (feature), 415/400/404, 403 (schema), 409.
 * Where the 415 goes is undocumented; it is a problem with the body, so it comes with the 400s.
 */
async function decide(
  core: SandboxCore,
  req: IncomingMessage,
  body: Record<string, unknown> | null,
): Promise<IssueAnswer> {
  const auth = await authenticatePartner(core, req)
  if (!auth.ok) return refuse(401, MocaMessages.unauthorized, auth.reason)
  const email = auth.token.email
  if (!auth.partner.issueOnBehalfEnabled) {
    return refuse(
      403,
      MocaMessages.forbidden,
      'Issue on Behalf is not enabled for this partner',
      email,
    )
  }
  const contentType = req.headers['content-type']
  if (contentType === undefined || mediaTypeOf(contentType) !== JSON_MEDIA_TYPE) {
    return refuse(
      415,
      MocaMessages.unsupportedMediaType,
      contentType === undefined
        ? 'the Content-Type header is missing'
        : `the Content-Type is "${contentType}"`,
      email,
    )
  }
  if (body === null) return refuse(400, MocaMessages.invalidJson, undefined, email)
  for (const field of ['issuerDid', 'credentialId'] as const) {
    const problem = stringFieldProblem(body, field)
    if (problem !== null) return refuse(400, problem, undefined, email)
  }
  const issuerDid = body.issuerDid as string
  const credentialId = body.credentialId as string
  const subject = body.credentialSubject
  if (subject === undefined)
    return refuse(400, 'Missing required field: credentialSubject', undefined, email)
  if (typeof subject !== 'object' || subject === null || Array.isArray(subject)) {
    return refuse(400, 'Invalid field: credentialSubject (expected an object)', undefined, email)
  }
  // Only a missing field takes the default: null is neither absent nor "ignore"/"revoke".
  const onDuplicate = body.onDuplicate === undefined ? DEFAULT_ON_DUPLICATE : body.onDuplicate
  if (onDuplicate !== 'ignore' && onDuplicate !== 'revoke') {
    return refuse(
      400,
      'Invalid field: onDuplicate (expected "ignore" or "revoke")',
      undefined,
      email,
    )
  }

  const program = core.programs.get(credentialId)
  if (program === undefined || program.program.issuerDid !== issuerDid) {
    return refuse(404, MocaMessages.programNotFound, undefined, email)
  }
  if (program.program.partnerId !== auth.token.partnerId || program.schemaOwnerDid !== issuerDid) {
    return refuse(
      403,
      MocaMessages.forbidden,
      'the schema of this program is not owned by this issuer and partner',
      email,
    )
  }
  const subjectProblem = program.validateSubject(subject)
  if (subjectProblem !== null) return refuse(400, subjectProblem, undefined, email)

  const settings = core.settings()
  const outcome = core.ledger.issue({
    partnerId: auth.token.partnerId,
    issuerDid,
    credentialId,
    email,
    onDuplicate: onDuplicate as OnDuplicate,
    duplicateIgnoreMode: settings.duplicateIgnoreMode,
  })
  const combined = settings.conflictMessages === 'combined'
  switch (outcome.kind) {
    case 'consent-rejected':
      return refuse(
        409,
        combined ? MocaMessages.conflictCombined : MocaMessages.consentRejected,
        undefined,
        email,
      )
    case 'duplicate-conflict':
      return refuse(
        409,
        combined ? MocaMessages.conflictCombined : MocaMessages.duplicateConflict,
        undefined,
        email,
      )
    case 'returned-existing':
    case 'issued': {
      const c = outcome.credential
      const revoked = outcome.kind === 'issued' ? outcome.revoked : null
      return {
        httpStatus: 200,
        body: {
          coreClaimHash: c.coreClaimHash,
          credentialId: c.credentialId,
          userUuid: c.userUuid,
        },
        email,
        action:
          outcome.kind === 'returned-existing'
            ? 'returned-existing'
            : revoked === null
              ? 'issued'
              : 'reissued',
        coreClaimHash: c.coreClaimHash,
        revokedCoreClaimHash: revoked?.coreClaimHash ?? null,
        reason: null,
      }
    }
  }
}

function refuse(
  httpStatus: number,
  message: string,
  reason?: string,
  email: string | null = null,
): IssueAnswer {
  return {
    httpStatus,
    body:
      reason === undefined
        ? { error: httpStatus, message }
        : { error: httpStatus, message, reason },
    email,
    action: null,
    coreClaimHash: null,
    revokedCoreClaimHash: null,
    reason: reason ?? message,
  }
}

function stringFieldProblem(body: Record<string, unknown>, field: string): string | null {
  const value = body[field]
  if (value === undefined || value === null || value === '')
    return `Missing required field: ${field}`
  if (typeof value !== 'string') return `Invalid field: ${field} (expected a string)`
  return null
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(text)
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null
  } catch {
    return null
  }
}

function recordFields(body: Record<string, unknown> | null, req: IncomingMessage): Fields {
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null)
  const key = req.headers['idempotency-key']
  return {
    issuerDid: str(body?.issuerDid),
    credentialId: str(body?.credentialId),
    onDuplicate: str(body?.onDuplicate),
    idempotencyKey: typeof key === 'string' ? key : null,
  }
}

function outcomeOf(httpStatus: number | null, fault: string | null): 'answered' | 'reset' | 'hang' {
  if (httpStatus !== null) return 'answered'
  return fault === 'hang' || fault === 'applyThenHang' ? 'hang' : 'reset'
}
