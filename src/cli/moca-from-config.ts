import type { SigningKey } from '../auth/load-signing-key.js'
import { createPartnerTokenSigner, type PartnerTokenSigner } from '../auth/partner-token-signer.js'
import type { RelayConfig } from '../config/relay-config.js'
import type { MocaClientOptions } from '../moca/moca-client-options.js'
import { rateLimitOf } from '../moca/rate-limiter.js'

/** The MocaChain client a config names: endpoint, timeouts, pool size, rate limit. */
export function mocaClientOptionsFrom(config: RelayConfig): MocaClientOptions {
  return {
    baseUrl: config.moca.baseUrl,
    connectTimeoutMs: config.moca.connectTimeout,
    headersTimeoutMs: config.moca.requestTimeout,
    bodyTimeoutMs: config.moca.requestTimeout,
    maxRetryAfterMs: config.issue.retry.maxRetryAfter,
    connections: config.moca.connections,
    httpClient: config.moca.httpClient,
    allowInsecureHttp: config.moca.allowInsecureHttp,
    ...(config.moca.rateLimit ? { rateLimit: rateLimitOf(config.moca.rateLimit) } : {}),
  }
}

/** Partner JWTs signed with `key` for the config's partner id, scope and token lifetime. */
export function partnerSignerFrom(config: RelayConfig, key: SigningKey): PartnerTokenSigner {
  return createPartnerTokenSigner({
    key,
    partnerId: config.moca.partnerId,
    scope: config.moca.scope,
    ttlSeconds: Math.round(config.moca.tokenTtl / 1000),
  })
}
