import { decodeJwt } from 'jose'
import { getGlobalDispatcher } from 'undici'
import { RelayError } from '../errors/relay-error.js'
import { requestText, type TextResponse } from '../moca/request-text.js'
import type { Logger } from '../ops/logger.js'

/** kafka.sasl for mechanism oauthbearer: OAuth 2 client credentials (RFC 6749 §4.4). */
export interface OAuthClientCredentials {
  readonly tokenEndpoint: string
  readonly clientId: string
  readonly clientSecret: string
  readonly scope?: string
  readonly extensions?: Readonly<Record<string, string>>
}

/** What kafkajs's SASL/OAUTHBEARER authenticator sends: the token and any SASL extensions. */
export interface OAuthBearerToken {
  readonly value: string
  readonly extensions?: Record<string, string>
}

export interface OAuthBearerProviderOptions {
  /** Warns when a renewal failed and the current token is used for its remaining life. */
  readonly logger?: Logger
  /** @default Date.now */
  readonly now?: () => number
  /** @default TOKEN_REQUEST_TIMEOUT_MS */
  readonly timeoutMs?: number
}

/** Renew a token once this share of its lifetime has passed (Kafka's Java client: 0.8). */
export const REFRESH_AFTER_SHARE = 0.8
/**
 * …and at least this long before it expires: kafkajs re-authenticates a connection 10 s before
 * the broker's session ends, and the broker ends it when the token expires. A short-lived token
 * presented again at that point would leave a session of under 10 s, and kafkajs would try to
 * re-authenticate before every request (which the broker refuses more than once a second).
 */
export const RENEW_BEFORE_EXPIRY_MS = 20_000
/** A token that states no lifetime (neither expires_in nor a JWT exp) is renewed this often. */
export const UNSTATED_LIFETIME_MS = 60_000
export const TOKEN_REQUEST_TIMEOUT_MS = 10_000
/** A token answer larger than this is not one: the rest is not read (requestText cuts it). */
const MAX_ANSWER_BYTES = 64 * 1024

interface HeldToken {
  readonly value: string
  readonly renewAt: number
  readonly expiresAt: number
}

/**
 * The token source of the OAUTHBEARER mechanism: it is called for every broker connection and
 * every re-authentication, so it hands out one token until 80% of its lifetime has passed (see
 * renewAfterMs for short-lived tokens), then asks the token endpoint for a new one (one request,
 * however many connections ask at once). When a
 * renewal fails while the held token is still valid, that token is used and a warning logged; a
 * failure with no valid token is a KAFKA_AUTH_FAILED error naming the setting to fix. Neither the
 * secret nor a token appears in an error or a log line.
 */
export function createOAuthBearerProvider(
  credentials: OAuthClientCredentials,
  options: OAuthBearerProviderOptions = {},
): () => Promise<OAuthBearerToken> {
  const now = options.now ?? Date.now
  const timeoutMs = options.timeoutMs ?? TOKEN_REQUEST_TIMEOUT_MS
  let held: HeldToken | null = null
  let renewing: Promise<HeldToken> | null = null

  const bearer = (token: HeldToken): OAuthBearerToken =>
    credentials.extensions === undefined
      ? { value: token.value }
      : { value: token.value, extensions: { ...credentials.extensions } }

  const renew = (): Promise<HeldToken> => {
    renewing ??= requestToken(credentials, timeoutMs, now).finally(() => {
      renewing = null
    })
    return renewing
  }

  return async () => {
    if (held !== null && now() < held.renewAt) return bearer(held)
    try {
      held = await renew()
      return bearer(held)
    } catch (err) {
      if (held !== null && now() < held.expiresAt) {
        options.logger?.warn(
          { err, expiresInMs: held.expiresAt - now() },
          'renewing the Kafka OAuth token failed; the current token is used until it expires',
        )
        return bearer(held)
      }
      throw err
    }
  }
}

async function requestToken(
  credentials: OAuthClientCredentials,
  timeoutMs: number,
  now: () => number,
): Promise<HeldToken> {
  const { tokenEndpoint, clientId, clientSecret, scope } = credentials
  const form = new URLSearchParams({ grant_type: 'client_credentials' })
  if (scope !== undefined) form.set('scope', scope)
  // RFC 6749 §2.3.1: id and secret form-encoded, then HTTP Basic (as Kafka's Java client sends them)
  const basic = Buffer.from(
    `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`,
  ).toString('base64')
  const askedAt = now()
  const url = new URL(tokenEndpoint)
  let response: TextResponse
  try {
    response = await requestText(
      getGlobalDispatcher(),
      {
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form.toString(),
      },
      MAX_ANSWER_BYTES,
      AbortSignal.timeout(timeoutMs),
    )
    if (response.body.kind === 'failed') throw response.body.error
  } catch (err) {
    throw tokenError(
      credentials,
      `cannot be reached (${describeNetworkError(err, timeoutMs)})`,
      'check the URL and that this host can reach the identity provider',
      err,
    )
  }
  const { statusCode } = response
  const text = response.body.text
  const answer = parseJson(text)
  if (statusCode < 200 || statusCode > 299) {
    const reason = oauthErrorText(answer)
    const problem = `refused client ${clientId} with HTTP ${statusCode}${reason === '' ? '' : `: ${reason}`}`
    if (statusCode === 400 || statusCode === 401 || statusCode === 403) {
      throw settled(
        tokenError(
          credentials,
          problem,
          'check kafka.sasl.clientId, the secret in KAFKA_SASL_CLIENT_SECRET (or kafka.sasl.clientSecret) and kafka.sasl.scope',
        ),
      )
    }
    throw tokenError(
      credentials,
      problem,
      'the identity provider failed; the relay asks again on the next connection',
    )
  }
  const accessToken = field(answer, 'access_token')
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw settled(
      tokenError(
        credentials,
        'answered without an access_token',
        'point kafka.sasl.tokenEndpoint at the OAuth 2 token endpoint (often …/oauth2/token or …/protocol/openid-connect/token)',
      ),
    )
  }
  const lifetimeMs = statedLifetimeMs(answer, accessToken, askedAt)
  return {
    value: accessToken,
    renewAt: askedAt + renewAfterMs(lifetimeMs),
    expiresAt: askedAt + lifetimeMs,
  }
}

/** 80% of the lifetime, or 20 s before the end if that is sooner, but never before half of it. */
export function renewAfterMs(lifetimeMs: number): number {
  return Math.min(
    lifetimeMs * REFRESH_AFTER_SHARE,
    Math.max(lifetimeMs - RENEW_BEFORE_EXPIRY_MS, lifetimeMs / 2),
  )
}

/** expires_in (seconds), else the JWT's exp, else UNSTATED_LIFETIME_MS. */
function statedLifetimeMs(answer: unknown, accessToken: string, askedAt: number): number {
  const expiresIn = Number(field(answer, 'expires_in'))
  if (Number.isFinite(expiresIn) && expiresIn > 0) return expiresIn * 1000
  try {
    const { exp } = decodeJwt(accessToken)
    if (typeof exp === 'number' && exp * 1000 > askedAt) return exp * 1000 - askedAt
  } catch {
    // not a JWT: its lifetime is unknown
  }
  return UNSTATED_LIFETIME_MS
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

function field(answer: unknown, name: string): unknown {
  return typeof answer === 'object' && answer !== null
    ? (answer as Record<string, unknown>)[name]
    : undefined
}

/** RFC 6749 §5.2: `error` and `error_description`, when the endpoint sent them. */
function oauthErrorText(answer: unknown): string {
  const error = field(answer, 'error')
  const description = field(answer, 'error_description')
  return [error, description]
    .filter((part): part is string => typeof part === 'string' && part !== '')
    .map((part) => part.slice(0, 200))
    .join(': ')
}

function describeNetworkError(err: unknown, timeoutMs: number): string {
  const error = err as { name?: string; code?: string; message?: string }
  if (error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`
  return error.code ?? error.message ?? String(err)
}

/**
 * Marks an answer that asking again will not change (refused credentials, not a token endpoint):
 * kafkajs's connection retries read `retriable`, and would otherwise ask the endpoint five more
 * times before giving up.
 */
function settled(error: RelayError): RelayError {
  return Object.assign(error, { retriable: false })
}

function tokenError(
  credentials: OAuthClientCredentials,
  problem: string,
  fix: string,
  cause?: unknown,
): RelayError {
  return new RelayError(
    'KAFKA_AUTH_FAILED',
    `no Kafka OAuth token: the token endpoint kafka.sasl.tokenEndpoint (${credentials.tokenEndpoint}) ${problem}. Fix: ${fix}`,
    { classification: 'systemic', ...(cause === undefined ? {} : { cause }) },
  )
}
