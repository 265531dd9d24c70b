import { decodeJwt } from 'jose'
import { describe, expect, it, onTestFinished } from 'vitest'
import {
  createOAuthBearerProvider,
  renewAfterMs,
  UNSTATED_LIFETIME_MS,
  type OAuthClientCredentials,
} from '../../src/kafka/oauth-token-provider.js'
import { captureLogs } from '../support/capture-logs.js'
import { findFreePort } from '../support/free-port.js'
import { startOAuthServer, type OAuthServer } from '../support/oauth-server.js'

const SECRET = 'relay-secret-with spaces&symbols'

async function identityProvider(lifetimeSeconds = 300): Promise<OAuthServer> {
  const server = await startOAuthServer({ clients: { 'moca-relay': SECRET }, lifetimeSeconds })
  onTestFinished(() => server.close())
  return server
}

function credentials(server: OAuthServer, extra: Partial<OAuthClientCredentials> = {}) {
  return {
    tokenEndpoint: server.tokenEndpoint,
    clientId: 'moca-relay',
    clientSecret: SECRET,
    ...extra,
  }
}

/** A clock the test moves by hand. */
function manualClock(start = Date.now()) {
  let now = start
  return { now: () => now, advance: (ms: number) => void (now += ms) }
}

describe('Kafka OAuth token provider (client credentials)', () => {
  it('asks the token endpoint once, and again only after 80% of the lifetime', async () => {
    const server = await identityProvider(300)
    const clock = manualClock()
    const provide = createOAuthBearerProvider(
      credentials(server, { scope: 'kafka.write', extensions: { logicalCluster: 'lkc-1' } }),
      { now: clock.now },
    )

    const first = await provide()
    expect(decodeJwt(first.value)).toMatchObject({ sub: 'moca-relay', scope: 'kafka.write' })
    expect(first.extensions).toEqual({ logicalCluster: 'lkc-1' })
    expect(server.lastForm?.get('grant_type')).toBe('client_credentials')
    expect(server.lastForm?.get('scope')).toBe('kafka.write')

    clock.advance(239_000) // just under 80% of 300 s
    expect((await provide()).value).toBe(first.value)
    expect(server.tokenRequests).toBe(1)

    clock.advance(2_000)
    await provide()
    expect(server.tokenRequests).toBe(2)
  })

  it('renews a short-lived token 20 s before it expires, so a re-authentication never presents a dying one', async () => {
    const server = await identityProvider(40)
    const clock = manualClock()
    const provide = createOAuthBearerProvider(credentials(server), { now: clock.now })
    await provide()
    clock.advance(19_000)
    await provide()
    expect(server.tokenRequests).toBe(1)
    clock.advance(2_000) // 21 s: 80% (32 s) would still hand out a token with 19 s left
    await provide()
    expect(server.tokenRequests).toBe(2)
    expect(renewAfterMs(10_000)).toBe(5_000)
    expect(renewAfterMs(300_000)).toBe(240_000)
  })

  it('makes one request for connections that ask at the same time', async () => {
    const server = await identityProvider()
    const provide = createOAuthBearerProvider(credentials(server))
    const tokens = await Promise.all(Array.from({ length: 5 }, () => provide()))
    expect(new Set(tokens.map((t) => t.value)).size).toBe(1)
    expect(server.tokenRequests).toBe(1)
  })

  it('renews a token that states no expires_in at its JWT exp', async () => {
    const server = await identityProvider()
    const token = await server.signToken('moca-relay', 100)
    server.failWith({ status: 200, body: JSON.stringify({ access_token: token }) })
    const clock = manualClock()
    const provide = createOAuthBearerProvider(credentials(server), { now: clock.now })
    await provide()
    clock.advance(70_000) // under 80% of 100 s (minus the second exp was rounded down to)
    await provide()
    expect(server.tokenRequests).toBe(1)
    clock.advance(11_000)
    await provide()
    expect(server.tokenRequests).toBe(2)
  })

  it('renews every minute a token with neither expires_in nor a JWT exp', async () => {
    const server = await identityProvider()
    server.failWith({ status: 200, body: JSON.stringify({ access_token: 'opaque-token' }) })
    const clock = manualClock()
    const provide = createOAuthBearerProvider(credentials(server), { now: clock.now })
    expect((await provide()).value).toBe('opaque-token')
    clock.advance(UNSTATED_LIFETIME_MS * 0.8 + 1)
    await provide()
    expect(server.tokenRequests).toBe(2)
  })

  it('names the client and the settings when the endpoint refuses the credentials, never the secret', async () => {
    const server = await identityProvider()
    const provide = createOAuthBearerProvider(credentials(server, { clientSecret: 'wrong-secret' }))
    const error = await provide().then(
      () => null,
      (err: unknown) => err as Error & { code?: string },
    )
    expect(error?.code).toBe('KAFKA_AUTH_FAILED')
    expect(error?.message).toContain(
      `kafka.sasl.tokenEndpoint (${server.tokenEndpoint}) refused client moca-relay with HTTP 401: invalid_client: Invalid client credentials`,
    )
    expect(error?.message).toContain('KAFKA_SASL_CLIENT_SECRET')
    expect(error?.message).not.toContain('wrong-secret')
  })

  it('says an answer without access_token is not a token endpoint', async () => {
    const server = await identityProvider()
    server.failWith({ status: 200, body: '<html>login page</html>' })
    await expect(createOAuthBearerProvider(credentials(server))()).rejects.toThrow(
      /answered without an access_token\. Fix: point kafka\.sasl\.tokenEndpoint at the OAuth 2 token endpoint/,
    )
  })

  it('says when the endpoint cannot be reached', async () => {
    const port = await findFreePort()
    const provide = createOAuthBearerProvider({
      tokenEndpoint: `http://127.0.0.1:${port}/oauth2/token`,
      clientId: 'moca-relay',
      clientSecret: SECRET,
    })
    await expect(provide()).rejects.toMatchObject({
      code: 'KAFKA_AUTH_FAILED',
      message: expect.stringMatching(/cannot be reached \(ECONNREFUSED\)/),
    })
  })

  it('keeps using a valid token when a renewal fails, with a warning, and fails once it expired', async () => {
    const server = await identityProvider(100)
    const clock = manualClock()
    const { logger, lines } = captureLogs('warn')
    const provide = createOAuthBearerProvider(credentials(server), { now: clock.now, logger })
    const held = await provide()

    server.failWith({ status: 503, body: '{"error":"temporarily_unavailable"}' })
    clock.advance(90_000) // renewal due, token still valid for 10 s
    expect((await provide()).value).toBe(held.value)
    expect(lines).toHaveLength(1)
    expect(lines[0]?.msg).toMatch(/renewing the Kafka OAuth token failed/)
    expect(JSON.stringify(lines)).not.toContain(held.value)

    clock.advance(11_000)
    await expect(provide()).rejects.toThrow(
      /refused client moca-relay with HTTP 503: temporarily_unavailable\. Fix: the identity provider failed/,
    )
  })
})
