import { createServer } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'
import { buildConnector, Pool } from 'undici'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import type { PartnerTokens } from '../../src/auth/partner-token-cache.js'
import { createMocaClient } from '../../src/moca/http-moca-client.js'
import { IdleClientPool } from '../../src/moca/idle-client-pool.js'
import { catchMocaError } from '../support/catch-moca-error.js'
import { startScriptedServer } from '../support/raw-http.js'
import { startSandboxFixture, uniqueEmail } from '../support/sandbox-fixture.js'

const HTTP_CLIENTS = ['relay', 'undici'] as const

/** Short timeouts so a hang costs the test a fraction of a second. */
const QUICK = { headersTimeoutMs: 300, bodyTimeoutMs: 300 }

// Both HTTP clients (moca.httpClient) must read every failure the same way.
describe.each(HTTP_CLIENTS)(
  'MocaClient over the %s HTTP client: no answer, or half an answer',
  (httpClient) => {
    it('a call that hangs past the headers timeout is MOCA_UNCERTAIN, uncertain', async () => {
      const f = await startSandboxFixture({ faults: { issue: { next: ['hang'] } } })
      const err = await catchMocaError(f.client({ ...QUICK, httpClient }).issue(f.issueCall()))
      expect(err).toMatchObject({
        code: 'MOCA_UNCERTAIN',
        classification: 'retryable',
        httpStatus: null,
        uncertain: true,
      })
      expect(err.message).toContain('UND_ERR_HEADERS_TIMEOUT')
      expect(f.sandbox.calls.list()[0]).toMatchObject({
        outcome: 'hang',
        applied: false,
        httpStatus: null,
      })
    })

    it('a reset before any work is still uncertain to the client (it cannot tell)', async () => {
      const f = await startSandboxFixture({ faults: { issue: { next: ['reset'] } } })
      const err = await catchMocaError(f.client({ httpClient }).issue(f.issueCall()))
      expect(err).toMatchObject({
        code: 'MOCA_UNCERTAIN',
        uncertain: true,
        mayLandLater: true,
        httpStatus: null,
      })
      expect(f.sandbox.calls.list()[0]).toMatchObject({ outcome: 'reset', applied: false })
    })

    it.each(['applyThen500', 'applyThenReset', 'applyThenHang'] as const)(
      '%s: uncertain for the client, applied by MocaChain; a retry with "ignore" recovers the same credential',
      async (fault) => {
        const f = await startSandboxFixture({ faults: { issue: { next: [fault] } } })
        const client = f.client({ ...QUICK, httpClient })
        const email = uniqueEmail()
        const err = await catchMocaError(
          client.issue(f.issueCall({ email, idempotencyKey: 'k-1' })),
        )
        expect(err).toMatchObject({
          code: 'MOCA_UNCERTAIN',
          uncertain: true,
          classification: 'retryable',
        })

        const recovered = await client.issue(
          f.issueCall({ email, idempotencyKey: 'k-1', onDuplicate: 'ignore' }),
        )
        const [first, second] = f.sandbox.calls.list()
        expect(first).toMatchObject({
          fault,
          applied: true,
          action: 'issued',
          idempotencyKey: 'k-1',
        })
        expect(second).toMatchObject({
          applied: false,
          action: 'returned-existing',
          httpStatus: 200,
        })
        expect(recovered.coreClaimHash).toBe(first?.coreClaimHash)
        expect(f.sandbox.stats().credentials.issued).toBe(1)
      },
    )

    it('a status call that hangs is MOCA_UNCERTAIN too', async () => {
      const f = await startSandboxFixture({ faults: { status: { next: ['hang'] } } })
      const err = await catchMocaError(
        f
          .client({ ...QUICK, httpClient })
          .status({ email: uniqueEmail(), coreClaimHash: 'a'.repeat(64) }),
      )
      expect(err).toMatchObject({ code: 'MOCA_UNCERTAIN', operation: 'status' })
    })

    it('a body that stops half way is MOCA_UNCERTAIN (body timeout)', async () => {
      const server = await startScriptedServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' })
        res.write('{"coreClaimHash":"')
      })
      const f = await startSandboxFixture()
      const client = f.client({ baseUrl: server.baseUrl, ...QUICK, httpClient })
      const err = await catchMocaError(client.issue(f.issueCall()))
      expect(err).toMatchObject({ code: 'MOCA_UNCERTAIN', uncertain: true })
      expect(err.message).toContain('UND_ERR_BODY_TIMEOUT')
    })

    it('a 503 whose body is cut off is judged by its status alone: MOCA_UNCERTAIN, may land later', async () => {
      const server = await startScriptedServer((_req, res) => {
        res.writeHead(503, { 'content-type': 'text/plain', 'content-length': '500' })
        res.write('upstream connect error', () => res.socket?.destroy())
      })
      const f = await startSandboxFixture()
      const client = f.client({ baseUrl: server.baseUrl, ...QUICK, httpClient })
      const err = await catchMocaError(client.issue(f.issueCall()))
      expect(err).toMatchObject({
        code: 'MOCA_UNCERTAIN',
        httpStatus: 503,
        uncertain: true,
        mayLandLater: true,
        mocaMessage: null,
      })
    })

    it('an informational 103 followed by a reset is MOCA_UNCERTAIN: no final status arrived', async () => {
      const server = await startScriptedServer((_req, res) => {
        res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' }, () =>
          res.socket?.destroy(),
        )
      })
      const f = await startSandboxFixture()
      const client = f.client({ baseUrl: server.baseUrl, ...QUICK, httpClient })
      const err = await catchMocaError(client.issue(f.issueCall()))
      expect(err).toMatchObject({
        code: 'MOCA_UNCERTAIN',
        uncertain: true,
        mayLandLater: true,
        httpStatus: null,
      })
    })

    it('connection refused is MOCA_UNAVAILABLE and certain: the request never left', async () => {
      const port = await freePort()
      const f = await startSandboxFixture()
      const client = createMocaClient({
        options: { baseUrl: `http://127.0.0.1:${port}/v1` },
        tokens: f.tokens,
      })
      try {
        const err = await catchMocaError(client.issue(f.issueCall()))
        expect(err).toMatchObject({
          code: 'MOCA_UNAVAILABLE',
          classification: 'retryable',
          uncertain: false,
          httpStatus: null,
        })
        expect(err.message).toContain('ECONNREFUSED')
      } finally {
        await client.close()
      }
    })

    it('an aborted call is MOCA_UNCERTAIN', async () => {
      const f = await startSandboxFixture({ faults: { issue: { latency: { fixedMs: 5_000 } } } })
      const controller = new AbortController()
      const call = f.client({ httpClient }).issue(f.issueCall(), { signal: controller.signal })
      setTimeout(() => controller.abort(), 50)
      const err = await catchMocaError(call)
      expect(err).toMatchObject({ code: 'MOCA_UNCERTAIN', uncertain: true })
    })

    it.each([
      ['no reason', undefined],
      ['a reason that carries an uncertain code', coded('UND_ERR_SOCKET')],
      ['a TypeError as its reason', new TypeError('stopping')],
    ])(
      'a call whose signal has already aborted (%s) is MOCA_UNAVAILABLE and certain: nothing was written',
      async (_what, reason) => {
        // Regression: the abort reason decided the class, so an abort before any byte was written
        // came out uncertain (or, for a TypeError, was rethrown as a bug), though it was never sent.
        const f = await startSandboxFixture()
        const call = f
          .client({ httpClient })
          .issue(f.issueCall(), { signal: AbortSignal.abort(reason) })
        const err = await catchMocaError(call)
        expect(err).toMatchObject({
          code: 'MOCA_UNAVAILABLE',
          uncertain: false,
          mayLandLater: false,
          httpStatus: null,
        })
        expect(f.sandbox.calls.total).toBe(0)
      },
    )

    it('a call aborted while it waits for a busy connection is MOCA_UNAVAILABLE once it gets one: nothing was written', async () => {
      // Regression: an abort was uncertain wherever it happened, so a call stopped while still
      // queued (as at shutdown) asked for a needless "ignore" retry.
      const answers: (() => void)[] = []
      const server = await startScriptedServer((_req, res) => answers.push(() => res.end('{}')))
      const f = await startSandboxFixture()
      const client = f.client({ baseUrl: server.baseUrl, connections: 1, httpClient })
      const first = client.issue(f.issueCall())
      await vi.waitFor(() => expect(server.requests).toHaveLength(1))
      const controller = new AbortController()
      const queued = catchMocaError(client.issue(f.issueCall(), { signal: controller.signal }))
      controller.abort(coded('UND_ERR_SOCKET'))
      answers[0]?.()
      await first.catch(() => undefined)
      expect(await queued).toMatchObject({ code: 'MOCA_UNAVAILABLE', uncertain: false })
      expect(server.requests).toHaveLength(1)
    })

    it('an abort after the request was written is MOCA_UNCERTAIN, even when its reason carries ECONNREFUSED', async () => {
      // Regression: the abort reason's code was read as the wire's, so a call MocaChain had
      // received, aborted with a reason coded ECONNREFUSED, came out "not sent" and was retried
      // as a fresh "revoke".
      const controller = new AbortController()
      const server = await startScriptedServer(() => controller.abort(coded('ECONNREFUSED')))
      const f = await startSandboxFixture()
      const client = f.client({ baseUrl: server.baseUrl, httpClient })
      const err = await catchMocaError(client.issue(f.issueCall(), { signal: controller.signal }))
      expect(err).toMatchObject({
        code: 'MOCA_UNCERTAIN',
        uncertain: true,
        mayLandLater: true,
        httpStatus: null,
      })
      expect(server.requests).toHaveLength(1)
    })

    it('an abort while a 200 body arrives is MOCA_UNCERTAIN, even when its reason carries ECONNREFUSED', async () => {
      // Regression: the same misreading after MocaChain had already answered 200.
      const controller = new AbortController()
      const server = await startScriptedServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' })
        res.write('{"coreClaimHash":"', () =>
          setTimeout(() => controller.abort(coded('ECONNREFUSED')), 100),
        )
      })
      const f = await startSandboxFixture()
      const client = f.client({ baseUrl: server.baseUrl, httpClient })
      const err = await catchMocaError(client.issue(f.issueCall(), { signal: controller.signal }))
      expect(err).toMatchObject({ code: 'MOCA_UNCERTAIN', uncertain: true })
    })

    it('a call cancelled while it waits its turn under rateLimit is MOCA_UNAVAILABLE, certain, never sent', async () => {
      const f = await startSandboxFixture()
      // Count the partner JWTs the client asks for: a waiting call must not hold one yet (it
      // could expire during a long wait).
      const asked: string[] = []
      const tokens = {
        tokenFor: (email: string) => {
          asked.push(email)
          return f.tokens.tokenFor(email)
        },
      }
      const client = createMocaClient({
        options: { baseUrl: f.sandbox.url, rateLimit: { perSecond: 0.5, burst: 1 }, httpClient },
        tokens,
      })
      onTestFinished(() => client.close())
      await client.issue(f.issueCall())
      const controller = new AbortController()
      const waiting = client.issue(f.issueCall(), { signal: controller.signal })
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(client.rateLimitWaiting()).toBe(1)
      expect(asked).toHaveLength(1)
      controller.abort()
      const err = await catchMocaError(waiting)
      expect(client.rateLimitWaiting()).toBe(0)
      expect(err).toMatchObject({ code: 'MOCA_UNAVAILABLE', uncertain: false })
      expect(err.message).toContain('moca.rateLimit')
      expect(f.sandbox.calls.total).toBe(1)
    })

    it('a call after close() is MOCA_UNAVAILABLE and certain', async () => {
      const f = await startSandboxFixture()
      const client = f.client({ httpClient })
      await client.close()
      const err = await catchMocaError(client.issue(f.issueCall()))
      expect(err).toMatchObject({ code: 'MOCA_UNAVAILABLE', uncertain: false })
      expect(f.sandbox.calls.total).toBe(0)
    })
  },
)

describe.each(HTTP_CLIENTS)(
  'MocaClient over the %s HTTP client: a connection error reads as "not sent" only before the request was written',
  (httpClient) => {
    it.each(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN'])(
      '%s on a connection that already carried the request is MOCA_UNCERTAIN',
      async (code) => {
        // Regression: these codes were read as "never sent" wherever they surfaced, so an issue
        // MocaChain had received, whose route then went away, was retried as a fresh "revoke".
        const sockets: Socket[] = []
        const server = await startScriptedServer(() => sockets[0]?.destroy(coded(code)))
        const direct = buildConnector({})
        const f = await startSandboxFixture()
        const client = clientThrough(httpClient, server.baseUrl, f.tokens, (options, callback) =>
          direct(options, (...args) => {
            if (args[1] !== null) sockets.push(args[1])
            callback(...args)
          }),
        )
        const err = await catchMocaError(client.issue(f.issueCall()))
        expect(err).toMatchObject({
          code: 'MOCA_UNCERTAIN',
          uncertain: true,
          mayLandLater: true,
          httpStatus: null,
        })
        expect(err.message).toContain(code)
        expect(server.requests).toHaveLength(1)
      },
    )

    it('EHOSTUNREACH while connecting is MOCA_UNAVAILABLE and certain: nothing was written', async () => {
      const server = await startScriptedServer((_req, res) => res.end())
      const f = await startSandboxFixture()
      const client = clientThrough(httpClient, server.baseUrl, f.tokens, (_options, callback) =>
        setImmediate(() => callback(coded('EHOSTUNREACH'), null)),
      )
      const err = await catchMocaError(client.issue(f.issueCall()))
      expect(err).toMatchObject({
        code: 'MOCA_UNAVAILABLE',
        uncertain: false,
        mayLandLater: false,
        httpStatus: null,
      })
      expect(err.message).toContain('EHOSTUNREACH')
      expect(server.requests).toHaveLength(0)
    })
  },
)

/** An error as Node raises them: matched on `code`. */
function coded(code: string): Error {
  return Object.assign(new Error(`failed with ${code}`), { code })
}

/**
 * A client on one connection made by `connect`: a real socket a test can fail as the kernel
 * would (a route lost mid-call), or a connect that fails before any socket exists.
 */
function clientThrough(
  httpClient: (typeof HTTP_CLIENTS)[number],
  baseUrl: string,
  tokens: PartnerTokens,
  connect: buildConnector.connector,
) {
  const origin = new URL(baseUrl).origin
  const dispatcher =
    httpClient === 'undici'
      ? new Pool(origin, { connections: 1, pipelining: 1, connect })
      : new IdleClientPool(origin, { connections: 1, connect })
  const client = createMocaClient({ options: { baseUrl }, tokens, dispatcher })
  onTestFinished(() => client.close())
  return client
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
