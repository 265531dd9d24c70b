import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { text } from 'node:stream/consumers'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose'

export interface OAuthServer {
  /** The client-credentials token endpoint: http://127.0.0.1:<port>/oauth2/token */
  readonly tokenEndpoint: string
  /** The public keys its tokens verify with, as a Kafka broker fetches them. */
  readonly jwksUrl: string
  readonly issuer: string
  /** Token requests answered so far (any status). */
  readonly tokenRequests: number
  /** The form fields of the last token request. */
  readonly lastForm: URLSearchParams | null
  /** Answers token requests with this status and body instead (null: back to normal). */
  failWith(failure: { status: number; body: string } | null): void
  /** expires_in of the tokens handed out from now on. */
  setLifetime(seconds: number): void
  /** Signs a token as the endpoint would, for a client that authenticated. */
  signToken(subject: string, lifetimeSeconds?: number): Promise<string>
  close(): Promise<void>
}

export interface OAuthServerOptions {
  /** client id → secret */
  readonly clients: Readonly<Record<string, string>>
  /** expires_in of the tokens it hands out. @default 300 */
  readonly lifetimeSeconds?: number
  /** @default 'kafka' */
  readonly audience?: string
}

/**
 * An identity provider as small as OAuth 2 client credentials allows (RFC 6749 §4.4, client
 * authentication by HTTP Basic): a real HTTP server on port 0 that hands out ES256 JWTs (sub =
 * client id, aud, iss, scope) and serves the JWKS they verify against, as Keycloak or Okta would
 * for a Kafka cluster that validates OAUTHBEARER tokens.
 */
export async function startOAuthServer(options: OAuthServerOptions): Promise<OAuthServer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const publicJwk = { ...(await exportJWK(publicKey)), kid: 'test-idp', alg: 'ES256', use: 'sig' }
  const audience = options.audience ?? 'kafka'
  let lifetime = options.lifetimeSeconds ?? 300
  let failure: { status: number; body: string } | null = null
  let tokenRequests = 0
  let lastForm: URLSearchParams | null = null
  let issuer = ''

  const sign = (subject: string, seconds: number, key: CryptoKey, scope?: string) =>
    new SignJWT(scope === undefined ? {} : { scope })
      .setProtectedHeader({ alg: 'ES256', kid: 'test-idp', typ: 'JWT' })
      .setSubject(subject)
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(`${seconds}s`)
      .sign(key)

  const server = createServer((req, res) => {
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    if (req.method === 'GET' && req.url === '/jwks') {
      json(200, { keys: [publicJwk] })
      return
    }
    if (req.method !== 'POST' || req.url !== '/oauth2/token') {
      json(404, { error: 'not_found' })
      return
    }
    void text(req).then(async (text) => {
      tokenRequests += 1
      const form = new URLSearchParams(text)
      lastForm = form
      if (failure !== null) {
        res.writeHead(failure.status, { 'content-type': 'application/json' }).end(failure.body)
        return
      }
      const client = basicCredentials(req.headers.authorization)
      if (form.get('grant_type') !== 'client_credentials') {
        json(400, { error: 'unsupported_grant_type' })
        return
      }
      if (client === null || options.clients[client.id] !== client.secret) {
        json(401, { error: 'invalid_client', error_description: 'Invalid client credentials' })
        return
      }
      const scope = form.get('scope') ?? undefined
      const token = await sign(client.id, lifetime, privateKey, scope)
      json(200, { access_token: token, token_type: 'Bearer', expires_in: lifetime })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  issuer = base
  return {
    tokenEndpoint: `${base}/oauth2/token`,
    jwksUrl: `${base}/jwks`,
    issuer,
    get tokenRequests() {
      return tokenRequests
    },
    get lastForm() {
      return lastForm
    },
    failWith(next) {
      failure = next
    },
    setLifetime(seconds) {
      lifetime = seconds
    },
    signToken: (subject, lifetimeSeconds = lifetime) => sign(subject, lifetimeSeconds, privateKey),
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}

/** RFC 6749 §2.3.1: Basic over the form-encoded id and secret. */
function basicCredentials(header: string | undefined): { id: string; secret: string } | null {
  const match = /^Basic (.+)$/i.exec(header ?? '')
  if (!match) return null
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return null
  return {
    id: decodeURIComponent(decoded.slice(0, colon)),
    secret: decodeURIComponent(decoded.slice(colon + 1)),
  }
}
