import kafkajs, { type Mechanism } from 'kafkajs'
import type { OAuthBearerToken } from './oauth-token-provider.js'

/** RFC 7628's separator between the fields of a client response (US-ASCII SOH). */
const SOH = '\u0001'

/**
 * SASL/OAUTHBEARER (RFC 7628) as kafkajs's own mechanism API runs it, in place of kafkajs's
 * built-in one, which ignores the server's answer: a broker that refuses the token answers with
 * an error challenge (`{"status":"invalid_token"}`) and error code 0, kafkajs logs "authentication
 * successful", `connect()` resolves, and the refusal only shows ~12 s later as "No brokers in the
 * broker pool". Here a challenge is read: the client ends the exchange with the single SOH the
 * RFC asks for (§3.2.3) and the connection fails with KafkaJSSASLAuthenticationError naming the
 * broker's status, which kafkajs does not retry.
 */
export function oauthBearerMechanism(provide: () => Promise<OAuthBearerToken>): Mechanism {
  return {
    mechanism: 'oauthbearer',
    authenticationProvider: ({ host, port, saslAuthenticate }) => ({
      async authenticate() {
        const token = await provide()
        const challenge = await saslAuthenticate<Buffer>({
          request: { encode: () => saslBytes(initialResponse(token)) },
          response: { decode: unframe, parse: (bytes) => bytes },
        })
        if (challenge === undefined || challenge.length === 0) return
        await saslAuthenticate({ request: { encode: () => saslBytes(SOH) } }).catch(() => undefined)
        // a default import (kafkajs spreads its error classes into its exports, which Node's
        // CommonJS detection does not see); its typings leave out the message the classes take
        const SaslError = kafkajs.KafkaJSSASLAuthenticationError as unknown as new (
          message: string,
        ) => Error
        throw new SaslError(
          `SASL OAUTHBEARER authentication failed: the broker ${host}:${port} refused the token (${challengeStatus(challenge)})`,
        )
      },
    }),
  }
}

/** `n,,` (no authorization identity), the bearer token, any extensions, then two SOHs (§3.1). */
export function initialResponse(token: OAuthBearerToken): string {
  const extensions = Object.entries(token.extensions ?? {})
    .map(([key, value]) => `${key}=${value}${SOH}`)
    .join('')
  return `n,,${SOH}auth=Bearer ${token.value}${SOH}${extensions}${SOH}`
}

/** What kafkajs sends as SASL bytes: a 32-bit big-endian length, then the bytes. */
function saslBytes(text: string): Buffer {
  const body = Buffer.from(text, 'utf8')
  const framed = Buffer.alloc(4 + body.length)
  framed.writeInt32BE(body.length, 0)
  body.copy(framed, 4)
  return framed
}

/** The server's SASL bytes arrive framed the same way (-1: null, i.e. none). */
function unframe(framed: Buffer): Buffer {
  if (framed.length < 4) return Buffer.alloc(0)
  const length = framed.readInt32BE(0)
  return length <= 0 ? Buffer.alloc(0) : framed.subarray(4, 4 + length)
}

/** The error challenge is JSON with a `status` (§3.2.2); anything else is shown as text. */
export function challengeStatus(challenge: Buffer): string {
  const text = challenge.toString('utf8')
  try {
    const parsed = JSON.parse(text) as { status?: unknown; scope?: unknown }
    if (typeof parsed.status === 'string') {
      return typeof parsed.scope === 'string'
        ? `${parsed.status}, scope needed: ${parsed.scope}`
        : parsed.status
    }
  } catch {
    // not JSON
  }
  return text.slice(0, 200)
}
