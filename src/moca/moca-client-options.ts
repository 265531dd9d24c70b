import { z } from 'zod'
import { ISSUE_PATH, STATUS_PATH } from '../domain/moca-api.js'
import { RelayError } from '../errors/relay-error.js'
import { checkMocaBaseUrl } from './moca-base-url.js'
import type { RateLimit } from './rate-limiter.js'

/** A healthy TCP+TLS handshake takes tens of ms; 5 s only trips on a dead or black-holed host. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000
/** The docs publish no latency SLA; 15 s leaves room for a slow issuance before we call it lost. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 15_000
/** Bodies are a few hundred bytes: once headers arrived, a 10 s gap between chunks is a dead peer. */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000
/** A server may ask for a longer pause, but a minute is the most one answer may park a key for. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 60_000
/** Concurrent sockets to MocaChain: ~X × latency in flight (perf-anchors P2), e.g. 1,000/s × 64 ms. */
export const DEFAULT_CONNECTIONS = 64
/**
 * Idle sockets close after this. Below node:http's 5 s server default, so the client is the side
 * that closes an idle socket, not the side that writes a POST into one the server just closed
 * (which would be an uncertain outcome).
 */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 4_000
/** Documented bodies are < 1 KB; 64 KiB keeps a misbehaving gateway from filling memory. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024

const positiveInt = z.number().int().positive()

export const MocaClientOptions = z
  .object({
    /**
     * A preset (`sandbox`, `production`, `production-legacy`) or a full base URL that already
     * ends with the API version, e.g. `http://127.0.0.1:8080/v1` for the local sandbox.
     */
    baseUrl: z.string().min(1),
    /** @default 5000 */
    connectTimeoutMs: positiveInt.default(DEFAULT_CONNECT_TIMEOUT_MS),
    /** Time from sending to the response headers; past it the outcome is uncertain. @default 15000 */
    headersTimeoutMs: positiveInt.default(DEFAULT_HEADERS_TIMEOUT_MS),
    /** Longest gap between two body chunks. @default 10000 */
    bodyTimeoutMs: positiveInt.default(DEFAULT_BODY_TIMEOUT_MS),
    /** Cap on a Retry-After the client reports. @default 60000 */
    maxRetryAfterMs: positiveInt.default(DEFAULT_MAX_RETRY_AFTER_MS),
    /** Sockets of the connection pool (used when the client creates its own). @default 64 */
    connections: z.number().int().positive().default(DEFAULT_CONNECTIONS),
    /**
     * The connections under the calls: the relay's own (`idle-client-pool.ts`), or undici's Pool.
     * @default "relay"
     */
    httpClient: z.enum(['relay', 'undici']).default('relay'),
    /** @default 4000 */
    keepAliveTimeoutMs: positiveInt.default(DEFAULT_KEEP_ALIVE_TIMEOUT_MS),
    /** Larger bodies are cut (errors) or refused (success). @default 65536 */
    maxResponseBytes: positiveInt.default(DEFAULT_MAX_RESPONSE_BYTES),
    /**
     * Allow `http://` to a host other than loopback. Partner JWTs would cross the network in clear
     * text, so only for a sandbox on a private network (a compose service, say). @default false
     */
    allowInsecureHttp: z.boolean().default(false),
    /** @default "moca-relay/<package version>" */
    userAgent: z.string().min(1).optional(),
    /** A cap on requests (issue and status together), for a known quota. @default none */
    rateLimit: z
      .object({ perSecond: z.number().positive(), burst: positiveInt })
      .strict()
      .optional(),
  })
  .strict()
export type MocaClientOptions = z.input<typeof MocaClientOptions>

/** Options after defaults and checks: every field required, the base URL split for undici. */
export interface CompiledMocaClientOptions extends Required<
  Omit<z.output<typeof MocaClientOptions>, 'userAgent' | 'baseUrl' | 'rateLimit'>
> {
  /** e.g. `https://api.sandbox.mocachain.org` */
  readonly origin: string
  /** e.g. `/v1`, no trailing slash */
  readonly basePath: string
  readonly baseUrl: string
  readonly issuePath: string
  readonly statusPath: string
  readonly userAgent: string | undefined
  readonly rateLimit: RateLimit | null
}

/** Validates once, with the cross-field rules, and freezes. Failures are CONFIG_INVALID. */
export function compileMocaClientOptions(input: MocaClientOptions): CompiledMocaClientOptions {
  const parsed = MocaClientOptions.safeParse(input)
  if (!parsed.success) {
    throw configError(z.prettifyError(parsed.error))
  }
  const options = parsed.data
  const checked = checkMocaBaseUrl(options.baseUrl, options.allowInsecureHttp)
  if (!checked.ok) throw configError(`baseUrl ${checked.problem}`)
  const { url } = checked
  const basePath = url.pathname.replace(/\/+$/, '')
  return Object.freeze({
    ...options,
    userAgent: options.userAgent,
    rateLimit: options.rateLimit ?? null,
    origin: url.origin,
    basePath,
    baseUrl: `${url.origin}${basePath}`,
    issuePath: `${basePath}${ISSUE_PATH}`,
    statusPath: `${basePath}${STATUS_PATH}`,
  })
}

function configError(detail: string): RelayError {
  return new RelayError('CONFIG_INVALID', `MocaChain client options: ${detail}.`, {
    classification: 'systemic',
  })
}
