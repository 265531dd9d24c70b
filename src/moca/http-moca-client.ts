import type { Dispatcher } from 'undici'
import type { z } from 'zod'
import type { PartnerTokens } from '../auth/partner-token-cache.js'
import { maskEmail } from '../domain/mask-email.js'
import { IssueResponse, StatusResponse, type OnDuplicate } from '../domain/moca-api.js'
import { createSilentLogger, type Logger } from '../ops/logger.js'
import { classifyHttpFailure } from './classify-http-failure.js'
import { classifyNetworkError } from './classify-network-error.js'
import { extractMocaMessage } from './error-body.js'
import { compileMocaClientOptions, type MocaClientOptions } from './moca-client-options.js'
import type { CallOptions, IssueCall, MocaClient, StatusCall } from './moca-client.js'
import { createMocaDispatcher } from './moca-dispatcher.js'
import { createRateLimiter } from './rate-limiter.js'
import { MocaError, notSentError, type MocaOperation } from './moca-error.js'
import { requestTextOutcome, type TextOutcome, type TextResponse } from './request-text.js'
import { defaultUserAgent } from './user-agent.js'

export interface MocaClientDeps {
  readonly options: MocaClientOptions
  /** Partner JWTs per target user (auth/createPartnerTokenCache). */
  readonly tokens: PartnerTokens
  /**
   * The one dispatcher every call goes through. The client owns it: close() closes it.
   * @default the connection pool from createMocaDispatcher(options)
   */
  readonly dispatcher?: Dispatcher
  /** @default a silent logger */
  readonly logger?: Logger
  /** Used to read Retry-After dates. @default Date.now */
  readonly now?: () => number
}

interface Exchange {
  readonly operation: MocaOperation
  readonly method: 'GET' | 'POST'
  readonly path: string
  readonly email: string
  /** Sent as a JSON body (serialized here, so a bad value rejects like any other failure). */
  readonly payload?: Readonly<Record<string, unknown>>
  /** Sent as the `Idempotency-Key` header. */
  readonly idempotencyKey?: string
  /** Sent as the `coreClaimHash` query parameter. */
  readonly coreClaimHash?: string
  readonly onDuplicate: OnDuplicate | null
  readonly signal: AbortSignal | undefined
}

/** The HTTP client: a MocaClient that also says how many calls wait under its rate limit. */
export interface HttpMocaClient extends MocaClient {
  /** Calls waiting for their turn under the rate limit now; 0 without one. */
  rateLimitWaiting(): number
}

/**
 * MocaChain's Issue-on-Behalf API through an undici dispatcher: one attempt per call, every failure a classified
 * MocaError, every response body consumed. Retries, the revoke→ignore switch and the circuit
 * breaker belong to the pipeline.
 */
export function createMocaClient(deps: MocaClientDeps): HttpMocaClient {
  const options = compileMocaClientOptions(deps.options)
  const dispatcher = deps.dispatcher ?? createMocaDispatcher(options)
  const userAgent = options.userAgent ?? defaultUserAgent()
  const log = (deps.logger ?? createSilentLogger()).child({ component: 'moca-client' })
  const now = deps.now ?? Date.now
  const limiter = options.rateLimit === null ? null : createRateLimiter(options.rateLimit)
  let closing: Promise<void> | undefined

  /**
   * One call, start to validated answer, in one async function: a call in flight holds this
   * frame and its connection's request, not a chain of frames awaiting each other (memory per in-flight
   * issuance is a benchmark figure).
   */
  async function exchange<T>(schema: z.ZodType<T>, x: Exchange): Promise<T> {
    // undici reports a closed pool as UND_ERR_DESTROYED, the same code as a request cut off by
    // destroy(); checking here keeps "never sent" certain.
    // Its turn first, then the partner JWT: a long wait must not send an expired token.
    if (limiter !== null) {
      try {
        await limiter.acquire(x.signal)
      } catch {
        throw notSentError(
          x.operation,
          'The call was cancelled while it waited under moca.rateLimit; the call was not sent',
        )
      }
    }
    if (closing !== undefined)
      throw notSentError(x.operation, 'The MocaChain client is closed; the call was not sent')
    const body = x.payload === undefined ? null : JSON.stringify(x.payload)
    const path =
      x.coreClaimHash === undefined
        ? x.path
        : `${x.path}?coreClaimHash=${encodeURIComponent(x.coreClaimHash)}`
    // The JWT travels only in this header object: never logged, never put into an error.
    const headers: Record<string, string> = {
      'x-partner-auth': await deps.tokens.tokenFor(x.email),
      'user-agent': userAgent,
    }
    // The API requires this header on a body (the sandbox answers 415 without it).
    if (body !== null) headers['content-type'] = 'application/json'
    if (x.idempotencyKey !== undefined) headers['idempotency-key'] = x.idempotencyKey
    let outcome: TextOutcome
    try {
      outcome = await requestTextOutcome(
        dispatcher,
        {
          origin: options.origin,
          path,
          method: x.method,
          headers,
          body,
          headersTimeout: options.headersTimeoutMs,
          bodyTimeout: options.bodyTimeoutMs,
        },
        options.maxResponseBytes,
        x.signal,
      )
    } catch (err) {
      // dispatch threw instead of telling the handler: how far the request got is unknown.
      throw classifyNetworkError({ error: err, written: true, aborted: false }, x.operation)
    }
    if (outcome.kind === 'unanswered') throw classifyNetworkError(outcome, x.operation)
    const { response } = outcome
    const { statusCode } = response
    log.debug(
      { operation: x.operation, httpStatus: statusCode, email: maskEmail(x.email) },
      'MocaChain answered',
    )
    if (statusCode >= 200 && statusCode < 300) {
      return validate(schema, x.operation, statusCode, readSuccess(x.operation, response))
    }
    throw classifyHttpFailure({
      operation: x.operation,
      httpStatus: statusCode,
      // A body cut short only costs us the message: the status already says what happened.
      bodyText: response.body.kind === 'text' ? response.body.text : null,
      retryAfter: response.headers['retry-after'],
      location: response.headers.location,
      requestUrl: `${options.origin}${x.path}`,
      onDuplicate: x.onDuplicate,
      maxRetryAfterMs: options.maxRetryAfterMs,
      nowMs: now(),
    })
  }

  function readSuccess(operation: MocaOperation, response: TextResponse): unknown {
    const { statusCode, body } = response
    if (body.kind === 'failed') throw classifyNetworkError(body, operation)
    const { text } = body
    if (body.truncated) {
      throw unexpectedSuccess(operation, statusCode, `body over ${options.maxResponseBytes} bytes`)
    }
    try {
      return JSON.parse(text) as unknown
    } catch {
      const snippet = extractMocaMessage(text)
      throw unexpectedSuccess(
        operation,
        statusCode,
        `body is not JSON (${snippet ?? 'empty'})`,
        snippet,
      )
    }
  }

  function validate<T>(
    schema: z.ZodType<T>,
    operation: MocaOperation,
    statusCode: number,
    json: unknown,
  ): T {
    const parsed = schema.safeParse(json)
    if (parsed.success) return parsed.data
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ')
    throw unexpectedSuccess(
      operation,
      statusCode,
      `body does not match the documented shape (${issues})`,
    )
  }

  return {
    issue(call: IssueCall, callOptions?: CallOptions) {
      return exchange(IssueResponse, {
        operation: 'issue',
        method: 'POST',
        path: options.issuePath,
        email: call.email,
        payload: {
          issuerDid: call.program.issuerDid,
          credentialId: call.program.credentialId,
          credentialSubject: call.credentialSubject,
          onDuplicate: call.onDuplicate,
        },
        idempotencyKey: call.idempotencyKey,
        onDuplicate: call.onDuplicate,
        signal: callOptions?.signal,
      })
    },

    status(call: StatusCall, callOptions?: CallOptions) {
      // An unknown vcStatus passes: StatusResponse keeps it as a string for the pipeline to judge.
      return exchange(StatusResponse, {
        operation: 'status',
        method: 'GET',
        path: options.statusPath,
        coreClaimHash: call.coreClaimHash,
        email: call.email,
        onDuplicate: null,
        signal: callOptions?.signal,
      })
    },

    close() {
      closing ??= dispatcher.close()
      return closing
    },

    rateLimitWaiting: () => limiter?.waiting ?? 0,
  }
}

/**
 * A 2xx we cannot read: MocaChain did something, we do not know what. Retryable and uncertain, so
 * a retry of an issue goes out with onDuplicate "ignore" and recovers what was done.
 */
function unexpectedSuccess(
  operation: MocaOperation,
  statusCode: number,
  why: string,
  mocaMessage: string | null = null,
): MocaError {
  const what = operation === 'issue' ? 'issue-on-behalf' : 'status'
  return new MocaError(
    'MOCA_UNEXPECTED_RESPONSE',
    `MocaChain answered ${statusCode} to ${what}, but the ${why}`,
    {
      operation,
      classification: 'retryable',
      httpStatus: statusCode,
      uncertain: true,
      // A 2xx came back: whoever answered had finished with the request.
      mayLandLater: false,
      retryAfterMs: null,
      mocaMessage,
      duplicateConflict: false,
    },
  )
}
