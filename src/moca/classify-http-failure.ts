import type { OnDuplicate } from '../domain/moca-api.js'
import type { ErrorCode } from '../errors/error-codes.js'
import type { ErrorClassification } from '../errors/relay-error.js'
import {
  extractMocaMessage,
  isMocaErrorBody,
  MAX_MOCA_MESSAGE_CHARS,
  MOCA_NOT_FOUND_MESSAGES,
} from './error-body.js'
import { MocaError, type MocaOperation } from './moca-error.js'
import { parseRetryAfter } from './retry-after.js'

export interface HttpFailure {
  readonly operation: MocaOperation
  readonly httpStatus: number
  /** The response body as text, or null when it could not be read. */
  readonly bodyText: string | null
  readonly retryAfter: string | string[] | undefined
  /** The Location header, read for redirects. */
  readonly location: string | string[] | undefined
  /** The URL called, without its query: what a relative Location resolves against. */
  readonly requestUrl: string
  /** What the issue call asked for; null for status calls. */
  readonly onDuplicate: OnDuplicate | null
  readonly maxRetryAfterMs: number
  readonly nowMs: number
}

interface Verdict {
  readonly code: ErrorCode
  readonly classification: ErrorClassification
  readonly uncertain: boolean
  readonly mayLandLater: boolean
  readonly honoursRetryAfter: boolean
  readonly duplicateConflict: boolean
}

const verdict = (
  code: ErrorCode,
  classification: ErrorClassification,
  extra: Partial<Omit<Verdict, 'code' | 'classification'>> = {},
): Verdict => ({
  code,
  classification,
  uncertain: extra.uncertain ?? false,
  mayLandLater: extra.mayLandLater ?? false,
  honoursRetryAfter: extra.honoursRetryAfter ?? false,
  duplicateConflict: extra.duplicateConflict ?? false,
})

/**
 * Turns a non-2xx answer into a MocaError. The table is a design decision (issue 3):
 * - 3xx systemic: the base URL moved; never followed (MOCA_REDIRECTED).
 * - 400 terminal; 401/403 and MocaChain's own 404 on issue systemic (nothing on the route can
 *   succeed until an operator acts); MocaChain's own 404 on status ("No credential found")
 *   terminal; a 404 without MocaChain's own error body systemic (a wrong base URL or API
 *   version: MOCA_ENDPOINT_NOT_FOUND).
 * - 408/429 retryable and certain (refused before any work).
 * - every 5xx retryable and uncertain (a server or gateway can fail after the work was done).
 *   503 is among them: the API documents none, and a proxy's 503 (Envoy's "upstream connect
 *   error or disconnect/reset before headers") can come after it forwarded the request; its
 *   Retry-After is still honoured.
 * - an uncertain 5xx may still land later unless MocaChain's own handler answered it: a 502,
 *   503, 504 or CDN 52x always may (a gateway gave up while MocaChain may still be working), any
 *   other 5xx unless its body is MocaChain's own JSON error (a 500 with `{error: 500, message}`
 *   is MocaChain's handler reporting its work is over).
 */
export function classifyHttpFailure(failure: HttpFailure): MocaError {
  const mocaMessage = failure.bodyText === null ? null : extractMocaMessage(failure.bodyText)
  const v = decide(failure, mocaMessage)
  const retryAfterMs = v.honoursRetryAfter
    ? parseRetryAfter(failure.retryAfter, { maxMs: failure.maxRetryAfterMs, nowMs: failure.nowMs })
    : null
  const what = failure.operation === 'issue' ? 'issue-on-behalf' : 'status'
  const answered = `MocaChain answered ${failure.httpStatus} to ${what}`
  const said = `${answered}${mocaMessage === null ? '' : `: ${mocaMessage}`}`
  const message =
    v.code === 'MOCA_REDIRECTED'
      ? `${answered}, a redirect to ${describeLocation(failure)}; the relay does not follow redirects (a POST must not be re-sent blindly). If MocaChain moved, set moca.baseUrl (MOCA_BASE_URL) to its new base URL`
      : v.code === 'MOCA_ENDPOINT_NOT_FOUND'
        ? `${said}. That is not MocaChain's own 404 (its error body), so ${failure.requestUrl} is not a MocaChain endpoint: the base URL or API version is wrong. Set moca.baseUrl (MOCA_BASE_URL) to MocaChain's base URL, ending in /v1`
        : said
  return new MocaError(v.code, message, {
    operation: failure.operation,
    classification: v.classification,
    httpStatus: failure.httpStatus,
    uncertain: v.uncertain,
    mayLandLater: v.mayLandLater,
    retryAfterMs,
    mocaMessage,
    duplicateConflict: v.duplicateConflict,
  })
}

function decide(failure: HttpFailure, mocaMessage: string | null): Verdict {
  const isIssue = failure.operation === 'issue'
  // A moved base URL: nothing on the route reaches MocaChain until an operator points the relay
  // at the new one (invariant 6). undici's dispatch never follows redirects, and must not: a
  // 301/302/303 would turn the POST into a GET, and re-sending the POST elsewhere is a call the
  // ledger did not record the intent of.
  if (failure.httpStatus >= 300 && failure.httpStatus < 400) {
    return verdict('MOCA_REDIRECTED', 'systemic')
  }
  switch (failure.httpStatus) {
    case 400:
      return verdict('MOCA_BAD_REQUEST', 'terminal')
    case 401:
      return verdict('MOCA_UNAUTHORIZED', 'systemic')
    case 403:
      return verdict('MOCA_FORBIDDEN', 'systemic')
    case 404:
      // Only MocaChain's own 404 means what the API says (an unknown program, an unknown hash);
      // any other 404 is a route MocaChain does not serve.
      if (!isMocaNotFound(failure, mocaMessage)) {
        return verdict('MOCA_ENDPOINT_NOT_FOUND', 'systemic')
      }
      return isIssue
        ? verdict('MOCA_PROGRAM_NOT_FOUND', 'systemic')
        : verdict('MOCA_STATUS_NOT_FOUND', 'terminal')
    case 409:
      if (!isIssue) break
      // The live API says "Consent rejected by user or duplicate conflict." for both causes. After
      // an "ignore" call, only a message that clearly names consent (and not a duplicate) counts
      // as consent; anything else is the duplicate the "ignore" call was recovering.
      if (failure.onDuplicate === 'ignore' && !saysConsentOnly(mocaMessage)) {
        return verdict('MOCA_DUPLICATE_CONFLICT', 'terminal', { duplicateConflict: true })
      }
      return verdict('MOCA_CONSENT_REJECTED', 'terminal')
    case 408:
      return verdict('MOCA_UNAVAILABLE', 'retryable')
    case 429:
      return verdict('MOCA_UNAVAILABLE', 'retryable', { honoursRetryAfter: true })
    case 503:
      return verdict('MOCA_UNCERTAIN', 'retryable', {
        uncertain: true,
        mayLandLater: true,
        honoursRetryAfter: true,
      })
  }
  // Every other 5xx (500, 502, 504, 501, 507, a CDN's 520-529, ...) may come from a server or
  // gateway after the request reached MocaChain: uncertain, never a certain failure that a redrive
  // would ask "revoke" again for.
  if (failure.httpStatus >= 500) {
    return verdict('MOCA_UNCERTAIN', 'retryable', {
      uncertain: true,
      mayLandLater: !answeredByMocaChain(failure),
    })
  }
  return verdict('MOCA_UNEXPECTED_RESPONSE', 'terminal')
}

/**
 * A gateway's own statuses: it gave up on MocaChain, which may still be working on the call (503
 * is decided above, before this is asked).
 */
function isGatewayStatus(status: number): boolean {
  return status === 502 || status === 504 || (status >= 520 && status <= 529)
}

/** MocaChain's handler wrote this answer (its own error body, not a gateway status): it is done. */
function answeredByMocaChain(failure: HttpFailure): boolean {
  return (
    !isGatewayStatus(failure.httpStatus) &&
    failure.bodyText !== null &&
    isMocaErrorBody(failure.bodyText, failure.httpStatus)
  )
}

/**
 * Where a redirect points, for the operator: resolved against the URL called, without the
 * credentials, query or fragment a Location may carry (tokens, signed links).
 */
function describeLocation(failure: HttpFailure): string {
  const raw = Array.isArray(failure.location) ? failure.location[0] : failure.location
  if (raw === undefined || raw.trim() === '') return 'nowhere (no Location header)'
  let url: URL
  try {
    url = new URL(raw.trim(), failure.requestUrl)
  } catch {
    return 'an unreadable Location header'
  }
  url.username = ''
  url.password = ''
  url.search = ''
  url.hash = ''
  const href = url.href
  return href.length > MAX_MOCA_MESSAGE_CHARS
    ? `${href.slice(0, MAX_MOCA_MESSAGE_CHARS - 1)}…`
    : href
}

/**
 * MocaChain's own 404: its error body, saying what the endpoint looks up. The shape alone is not
 * enough: a MocaChain-style envelope can answer a route it does not serve (the sandbox says "Not
 * found."), and a message alone proves nothing (extractMocaMessage reads one from any page).
 */
function isMocaNotFound(failure: HttpFailure, mocaMessage: string | null): boolean {
  return (
    failure.bodyText !== null &&
    isMocaErrorBody(failure.bodyText, failure.httpStatus) &&
    mocaMessage !== null &&
    MOCA_NOT_FOUND_MESSAGES[failure.operation].test(mocaMessage)
  )
}

function saysConsentOnly(message: string | null): boolean {
  return message !== null && /consent/i.test(message) && !/duplicate/i.test(message)
}
