import { describe, expect, it } from 'vitest'
import { createPartnerTokenCache } from '../../src/auth/partner-token-cache.js'
import { createPartnerTokenSigner } from '../../src/auth/partner-token-signer.js'
import { createMocaClient } from '../../src/moca/http-moca-client.js'
import { catchMocaError } from '../support/catch-moca-error.js'
import { startScriptedServer } from '../support/raw-http.js'
import {
  PARTNER_ID,
  PROGRAM,
  startSandboxFixture,
  uniqueEmail,
} from '../support/sandbox-fixture.js'

/**
 * The classification table of issue 3, each row produced by the sandbox as MocaChain would
 * answer, and read through the real client.
 */
describe('MocaClient: what each MocaChain answer becomes', () => {
  it("400 → MOCA_BAD_REQUEST, terminal, with MocaChain's message", async () => {
    const f = await startSandboxFixture()
    const err = await catchMocaError(
      f.client().issue(f.issueCall({ credentialSubject: { age: 25, location: 'US' } })),
    )
    expect(err).toMatchObject({
      code: 'MOCA_BAD_REQUEST',
      classification: 'terminal',
      httpStatus: 400,
      uncertain: false,
      retryAfterMs: null,
      duplicateConflict: false,
    })
    expect(err.mocaMessage).toBe('Missing required field: credentialSubject.isMember')
  })

  it('401 → MOCA_UNAUTHORIZED, systemic (a token the sandbox refuses: wrong scope)', async () => {
    const f = await startSandboxFixture()
    const tokens = createPartnerTokenCache({
      signer: createPartnerTokenSigner({ key: f.key, partnerId: PARTNER_ID, scope: 'issue' }),
    })
    const client = createMocaClient({ options: { baseUrl: f.sandbox.url }, tokens })
    try {
      const err = await catchMocaError(client.issue(f.issueCall()))
      expect(err).toMatchObject({
        code: 'MOCA_UNAUTHORIZED',
        classification: 'systemic',
        httpStatus: 401,
        uncertain: false,
      })
      expect(err.mocaMessage).toBe('Invalid or expired Partner JWT, or JWKS mismatch.')
    } finally {
      await client.close()
    }
  })

  it('403 → MOCA_FORBIDDEN, systemic, on issue and on status', async () => {
    const f = await startSandboxFixture()
    const client = f.client()
    const email = uniqueEmail()
    const issued = await client.issue(f.issueCall({ email }))
    f.sandbox.setFeatureEnabled(PARTNER_ID, false)
    const onIssue = await catchMocaError(client.issue(f.issueCall()))
    const onStatus = await catchMocaError(
      client.status({ email, coreClaimHash: issued.coreClaimHash }),
    )
    for (const err of [onIssue, onStatus]) {
      expect(err).toMatchObject({
        code: 'MOCA_FORBIDDEN',
        classification: 'systemic',
        httpStatus: 403,
      })
      expect(err.mocaMessage).toMatch(/^Feature not enabled/)
    }
  })

  it('404 on issue → MOCA_PROGRAM_NOT_FOUND, systemic; 404 on status → MOCA_STATUS_NOT_FOUND, terminal', async () => {
    const f = await startSandboxFixture()
    const client = f.client()
    const onIssue = await catchMocaError(
      client.issue(
        f.issueCall({ program: { ...PROGRAM, credentialId: 'c00000000000000000000x' } }),
      ),
    )
    expect(onIssue).toMatchObject({
      code: 'MOCA_PROGRAM_NOT_FOUND',
      classification: 'systemic',
      httpStatus: 404,
    })
    const onStatus = await catchMocaError(
      client.status({ email: uniqueEmail(), coreClaimHash: 'f'.repeat(64) }),
    )
    expect(onStatus).toMatchObject({
      code: 'MOCA_STATUS_NOT_FOUND',
      classification: 'terminal',
      httpStatus: 404,
    })
    expect(onStatus.mocaMessage).toBe('No credential found for the given hash.')
  })

  // Was: any 404 on status was MOCA_STATUS_NOT_FOUND, terminal, so a wrong base URL failed every
  // issued credential at its first poll; on issue it was MOCA_PROGRAM_NOT_FOUND, which sent the
  // operator to the program IDs instead of the base URL.
  describe("a 404 without MocaChain's own error body (a wrong base URL or API version)", () => {
    const NOT_MOCACHAIN_404 = [
      [
        "a web server's page",
        'text/html',
        '<html><head><title>404 Not Found</title></head><body>nginx</body></html>',
      ],
      [
        "a web framework's JSON",
        'application/json',
        '{"statusCode":404,"message":"Cannot POST /v2/credentials/issue-on-behalf","error":"Not Found"}',
      ],
      ['an empty body', 'text/plain', ''],
    ] as const

    it.each(NOT_MOCACHAIN_404)(
      'is MOCA_ENDPOINT_NOT_FOUND, systemic, on issue and on status: %s',
      async (_name, contentType, body) => {
        const server = await startScriptedServer((_req, res) => {
          res.writeHead(404, { 'content-type': contentType })
          res.end(body)
        })
        const f = await startSandboxFixture()
        const client = f.client({ baseUrl: server.baseUrl })
        const onIssue = await catchMocaError(client.issue(f.issueCall()))
        const onStatus = await catchMocaError(
          client.status({ email: uniqueEmail(), coreClaimHash: 'a'.repeat(64) }),
        )
        for (const err of [onIssue, onStatus]) {
          expect(err).toMatchObject({
            code: 'MOCA_ENDPOINT_NOT_FOUND',
            classification: 'systemic',
            httpStatus: 404,
            uncertain: false,
          })
          expect(err.message).toMatch(/moca\.baseUrl.*MOCA_BASE_URL/)
        }
      },
    )

    it('is MOCA_ENDPOINT_NOT_FOUND for the sandbox at a path it does not serve ("Not found.")', async () => {
      const f = await startSandboxFixture()
      const client = f.client({ baseUrl: `${f.sandbox.origin}/v2` })
      const onIssue = await catchMocaError(client.issue(f.issueCall()))
      const onStatus = await catchMocaError(
        client.status({ email: uniqueEmail(), coreClaimHash: 'a'.repeat(64) }),
      )
      expect(onIssue).toMatchObject({ code: 'MOCA_ENDPOINT_NOT_FOUND', mocaMessage: 'Not found.' })
      expect(onStatus).toMatchObject({ code: 'MOCA_ENDPOINT_NOT_FOUND', mocaMessage: 'Not found.' })
    })
  })

  describe('409', () => {
    it('with onDuplicate "revoke" is MOCA_CONSENT_REJECTED', async () => {
      const f = await startSandboxFixture({ settings: { conflictMessages: 'combined' } })
      const email = uniqueEmail()
      f.sandbox.setConsentRejected(email, true)
      const err = await catchMocaError(f.client().issue(f.issueCall({ email })))
      expect(err).toMatchObject({
        code: 'MOCA_CONSENT_REJECTED',
        classification: 'terminal',
        httpStatus: 409,
        duplicateConflict: false,
      })
    })

    it('with "ignore" and a message that clearly says consent is MOCA_CONSENT_REJECTED', async () => {
      const f = await startSandboxFixture({ settings: { conflictMessages: 'distinct' } })
      const email = uniqueEmail()
      f.sandbox.setConsentRejected(email, true)
      const err = await catchMocaError(
        f.client().issue(f.issueCall({ email, onDuplicate: 'ignore' })),
      )
      expect(err).toMatchObject({ code: 'MOCA_CONSENT_REJECTED', duplicateConflict: false })
      expect(err.mocaMessage).toBe('Consent rejected by user.')
    })

    it('with "ignore" and the live API\'s ambiguous message is MOCA_DUPLICATE_CONFLICT', async () => {
      const f = await startSandboxFixture({ settings: { conflictMessages: 'combined' } })
      const email = uniqueEmail()
      f.sandbox.setConsentRejected(email, true)
      const err = await catchMocaError(
        f.client().issue(f.issueCall({ email, onDuplicate: 'ignore' })),
      )
      expect(err).toMatchObject({
        code: 'MOCA_DUPLICATE_CONFLICT',
        classification: 'terminal',
        duplicateConflict: true,
      })
      expect(err.mocaMessage).toBe('Consent rejected by user or duplicate conflict.')
    })

    it('with "ignore" on an existing credential in conflict mode is MOCA_DUPLICATE_CONFLICT', async () => {
      const f = await startSandboxFixture({ settings: { duplicateIgnoreMode: 'conflict' } })
      const client = f.client()
      const email = uniqueEmail()
      await client.issue(f.issueCall({ email }))
      const err = await catchMocaError(client.issue(f.issueCall({ email, onDuplicate: 'ignore' })))
      expect(err).toMatchObject({
        code: 'MOCA_DUPLICATE_CONFLICT',
        duplicateConflict: true,
        httpStatus: 409,
      })
    })

    it('with "ignore" and no readable message is MOCA_DUPLICATE_CONFLICT: only a clear consent message is consent', async () => {
      const server = await startScriptedServer((_req, res) => {
        res.writeHead(409)
        res.end()
      })
      const f = await startSandboxFixture()
      const client = f.client({ baseUrl: server.baseUrl })
      const err = await catchMocaError(client.issue(f.issueCall({ onDuplicate: 'ignore' })))
      expect(err).toMatchObject({
        code: 'MOCA_DUPLICATE_CONFLICT',
        duplicateConflict: true,
        mocaMessage: null,
      })
    })
  })

  it('409 on status is MOCA_UNEXPECTED_RESPONSE: consent and duplicates concern issue calls only', async () => {
    const server = await startScriptedServer((_req, res) => {
      res.writeHead(409, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: 409, message: 'Consent rejected by user.' }))
    })
    const f = await startSandboxFixture()
    const client = f.client({ baseUrl: server.baseUrl })
    const err = await catchMocaError(
      client.status({ email: uniqueEmail(), coreClaimHash: 'a'.repeat(64) }),
    )
    expect(err).toMatchObject({
      code: 'MOCA_UNEXPECTED_RESPONSE',
      classification: 'terminal',
      httpStatus: 409,
      operation: 'status',
    })
  })

  // Was MOCA_UNEXPECTED_RESPONSE, terminal: a moved base URL failed every event of the route.
  it.each([301, 302, 303, 307, 308])(
    '%i on issue → MOCA_REDIRECTED, systemic, not followed; the message names the Location without its credentials or query, and the fix',
    async (status) => {
      const server = await startScriptedServer((_req, res) => {
        res.writeHead(status, {
          location: 'https://ops:s3cret@moved.example/v1/credentials/issue-on-behalf?token=abc#top',
        })
        res.end()
      })
      const f = await startSandboxFixture()
      const err = await catchMocaError(f.client({ baseUrl: server.baseUrl }).issue(f.issueCall()))
      expect(server.requests).toHaveLength(1)
      expect(err).toMatchObject({
        code: 'MOCA_REDIRECTED',
        classification: 'systemic',
        httpStatus: status,
        uncertain: false,
        mayLandLater: false,
      })
      expect(err.message).toContain('https://moved.example/v1/credentials/issue-on-behalf')
      expect(err.message).not.toMatch(/s3cret|ops:|token|abc|#top/)
      expect(err.message).toMatch(/moca\.baseUrl.*MOCA_BASE_URL/)
    },
  )

  it('a redirect on status, to a path on the same server, is MOCA_REDIRECTED and not followed', async () => {
    const server = await startScriptedServer((req, res) => {
      if (req.url?.startsWith('/v1/')) {
        res.writeHead(301, { location: `/v2${req.url.slice(3)}` })
        res.end()
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ coreClaimHash: 'a'.repeat(64), vcStatus: 'ONCHAIN' }))
    })
    const f = await startSandboxFixture()
    const err = await catchMocaError(
      f
        .client({ baseUrl: server.baseUrl })
        .status({ email: uniqueEmail(), coreClaimHash: 'a'.repeat(64) }),
    )
    expect(server.requests).toHaveLength(1)
    expect(err).toMatchObject({ code: 'MOCA_REDIRECTED', classification: 'systemic' })
    expect(err.message).toContain(`${new URL(server.baseUrl).origin}/v2/credentials/status`)
    expect(err.message).not.toContain('coreClaimHash=')
  })

  it.each([
    ['http408', 408],
    ['http429', 429],
  ] as const)(
    '%s → MOCA_UNAVAILABLE, retryable, certain (refused before any work)',
    async (fault, status) => {
      const f = await startSandboxFixture({
        faults: { issue: { next: [fault], retryAfterSeconds: 7 } },
      })
      const err = await catchMocaError(f.client().issue(f.issueCall()))
      expect(err).toMatchObject({
        code: 'MOCA_UNAVAILABLE',
        classification: 'retryable',
        httpStatus: status,
        uncertain: false,
        // The sandbox sends Retry-After with 429 (and 503) only; a 408 that carries one is below.
        retryAfterMs: status === 408 ? null : 7_000,
      })
      expect(f.sandbox.calls.list()[0]).toMatchObject({ applied: false, fault, httpStatus: status })
    },
  )

  // Was MOCA_UNAVAILABLE and certain, so the retry asked "revoke" again; a proxy's 503 can come
  // after it forwarded the request to MocaChain.
  it('http503 → MOCA_UNCERTAIN, retryable, uncertain, may land later; Retry-After honoured', async () => {
    const f = await startSandboxFixture({
      faults: { issue: { next: ['http503'], retryAfterSeconds: 7 } },
    })
    const err = await catchMocaError(f.client().issue(f.issueCall()))
    expect(err).toMatchObject({
      code: 'MOCA_UNCERTAIN',
      classification: 'retryable',
      httpStatus: 503,
      uncertain: true,
      mayLandLater: true,
      retryAfterMs: 7_000,
    })
  })

  it.each([
    // MocaChain's own error body: its handler answered, nothing of this call lands later
    ['http500', 500, 'Server-side failure. Retry with exponential backoff.', false],
    // a gateway gave up on MocaChain, which may still be working on the call
    ['http502', 502, '502 Bad Gateway', true],
    ['http504', 504, '504 Gateway Time-out', true],
  ] as const)(
    '%s → MOCA_UNCERTAIN, retryable, uncertain; gateway pages read as a short message',
    async (fault, status, message, mayLandLater) => {
      const f = await startSandboxFixture({ faults: { issue: { next: [fault] } } })
      const err = await catchMocaError(f.client().issue(f.issueCall()))
      expect(err).toMatchObject({
        code: 'MOCA_UNCERTAIN',
        classification: 'retryable',
        httpStatus: status,
        uncertain: true,
        mayLandLater,
        retryAfterMs: null,
      })
      expect(err.mocaMessage).toBe(message)
    },
  )

  it.each([501, 507, 520, 522, 524, 599])(
    '%i, another 5xx after the whole request reached the server, is MOCA_UNCERTAIN: a redrive must ask "ignore"',
    async (status) => {
      const server = await startScriptedServer((_req, res) => {
        res.writeHead(status, { 'content-type': 'text/html' })
        res.end('<html>origin timed out</html>')
      })
      const f = await startSandboxFixture()
      const err = await catchMocaError(f.client({ baseUrl: server.baseUrl }).issue(f.issueCall()))
      expect(server.requests).toHaveLength(1)
      expect(err).toMatchObject({
        code: 'MOCA_UNCERTAIN',
        classification: 'retryable',
        httpStatus: status,
        uncertain: true,
        // not MocaChain's own error body: whoever answered, MocaChain may still apply the call
        mayLandLater: true,
      })
    },
  )

  it.each([
    ["MocaChain's own error body", 500, { error: 500, message: 'Server-side failure.' }, false],
    ["MocaChain's own error body on a 507", 507, { error: 507, message: 'Storage full.' }, false],
    [
      "a web framework's default body",
      500,
      { statusCode: 500, error: 'Internal Server Error' },
      true,
    ],
    ["another status's body", 500, { error: 502, message: 'Bad gateway.' }, true],
    ["MocaChain's body on a gateway status", 504, { error: 504, message: 'Timed out.' }, true],
  ] as const)('a 5xx with %s may land later: %s', async (_name, status, body, mayLandLater) => {
    const server = await startScriptedServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    })
    const f = await startSandboxFixture()
    const err = await catchMocaError(f.client({ baseUrl: server.baseUrl }).issue(f.issueCall()))
    expect(err).toMatchObject({ code: 'MOCA_UNCERTAIN', uncertain: true, mayLandLater })
  })

  it.each([408, 500, 502, 504])(
    'a Retry-After on %i is not honoured: only 429 and 503 say when to come back',
    async (status) => {
      // The sandbox sends Retry-After on 429 and 503 only, so the header comes from a raw server.
      const server = await startScriptedServer((_req, res) => {
        res.writeHead(status, { 'content-type': 'text/plain', 'retry-after': '7' })
        res.end('try later')
      })
      const f = await startSandboxFixture()
      const client = f.client({ baseUrl: server.baseUrl })
      const err = await catchMocaError(client.issue(f.issueCall()))
      expect(err).toMatchObject({ httpStatus: status, retryAfterMs: null })
    },
  )

  it('503 from a load balancer keeps its plain-text message', async () => {
    const f = await startSandboxFixture({ faults: { status: { next: ['http503'] } } })
    const err = await catchMocaError(
      f.client().status({ email: uniqueEmail(), coreClaimHash: 'a'.repeat(64) }),
    )
    expect(err.mocaMessage).toMatch(/^upstream connect error/)
  })

  it('caps a long Retry-After at maxRetryAfterMs', async () => {
    const f = await startSandboxFixture({
      faults: { issue: { next: ['http429'], retryAfterSeconds: 86_400 } },
    })
    const err = await catchMocaError(f.client({ maxRetryAfterMs: 5_000 }).issue(f.issueCall()))
    expect(err).toMatchObject({ code: 'MOCA_UNAVAILABLE', httpStatus: 429, retryAfterMs: 5_000 })
  })

  it('a rate limit answers 429 with the Retry-After of its token bucket', async () => {
    const f = await startSandboxFixture({
      // One call per 20 s: the second call is limited however slow this machine is.
      faults: { issue: { rateLimit: { perSecond: 0.05, burst: 1 } } },
    })
    const client = f.client()
    await client.issue(f.issueCall())
    const err = await catchMocaError(client.issue(f.issueCall()))
    expect(err).toMatchObject({ code: 'MOCA_UNAVAILABLE', httpStatus: 429 })
    expect(err.retryAfterMs).toBeGreaterThanOrEqual(1_000)
    expect(err.retryAfterMs).toBeLessThanOrEqual(20_000)
  })

  it('an unknown vcStatus is returned as it is, not thrown', async () => {
    // Not the sandbox: it only speaks the two documented states.
    const server = await startScriptedServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          coreClaimHash: 'a'.repeat(64),
          vcStatus: 'REVOKED',
          extra: { nested: true },
        }),
      )
    })
    const f = await startSandboxFixture()
    const client = f.client({ baseUrl: server.baseUrl })
    const status = await client.status({ email: uniqueEmail(), coreClaimHash: 'a'.repeat(64) })
    expect(status.vcStatus).toBe('REVOKED')
    expect(status).toMatchObject({ extra: { nested: true } })
  })
})
