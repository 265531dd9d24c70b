import { onTestFinished, describe, expect, it } from 'vitest'
import { createSilentLogger } from '../../src/ops/logger.js'
import { startOpsServer, type OpsServerDeps } from '../../src/ops/ops-server.js'
import type { Readiness } from '../../src/pipeline/relay.js'

const jwks = { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1', alg: 'ES256' }] }

/** The ops server on a port the OS picks, with state the test changes as the relay would. */
async function startOps(overrides: Partial<OpsServerDeps> = {}) {
  const state = {
    alive: true,
    readiness: { ready: true, reasons: [] } as Readiness,
  }
  const server = await startOpsServer({
    host: '127.0.0.1',
    port: 0,
    jwksPath: '/.well-known/jwks.json',
    jwks: () => jwks,
    readiness: () => state.readiness,
    metrics: {
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      render: async () => 'moca_relay_consumed_total 3\n',
    },
    alive: () => state.alive,
    logger: createSilentLogger(),
    ...overrides,
  })
  onTestFinished(() => server.close())
  const get = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${server.url}${path}`, init)
    return { status: response.status, headers: response.headers, body: await response.text() }
  }
  return { state, get }
}

describe('the ops endpoints', () => {
  it('/healthz is 200 while the process runs and 503 once shutdown began', async () => {
    const { state, get } = await startOps()
    expect(await get('/healthz')).toMatchObject({ status: 200, body: 'ok\n' })
    state.alive = false
    expect(await get('/healthz')).toMatchObject({ status: 503, body: 'shutting down\n' })
  })

  it('/readyz is 503 with every reason while not ready, and 200 once ready', async () => {
    const { state, get } = await startOps()
    state.readiness = {
      ready: false,
      reasons: [
        'issue stage is restoring its ledger',
        'circuit open for route kyc: MOCA_UNAUTHORIZED partner JWT rejected',
      ],
    }
    const notReady = await get('/readyz')
    expect(notReady.status).toBe(503)
    expect(notReady.headers.get('content-type')).toBe('application/json')
    expect(JSON.parse(notReady.body)).toEqual(state.readiness)

    state.readiness = { ready: true, reasons: [] }
    const ready = await get('/readyz')
    expect(ready.status).toBe(200)
    expect(JSON.parse(ready.body)).toEqual({ ready: true, reasons: [] })
  })

  it('/readyz keeps the error code of an open circuit but masks the email and JWT its message quotes', async () => {
    // Regression: /readyz quoted MocaChain's failure message verbatim, so an address or a token
    // the message echoed was served to anyone who could reach the ops port.
    const { state, get } = await startOps()
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJlbWFpbCI6ImpAZXhhbXBsZS5jb20ifQ.c2lnbmF0dXJlLWJ5dGVz'
    state.readiness = {
      ready: false,
      reasons: [
        'issue stage is restoring its ledger',
        `circuit open for route kyc: MOCA_UNAUTHORIZED MocaChain answered 401 to issue: partner JWT ${jwt} rejected for John.Smith@example.com ${'x'.repeat(1000)}`,
      ],
    }
    const response = await get('/readyz')
    expect(response.status).toBe(503)
    expect(response.body.toLowerCase()).not.toContain('john.smith@example.com')
    expect(response.body).not.toMatch(/eyJ[\w-]*\./)
    const { reasons } = JSON.parse(response.body) as Readiness
    expect(reasons[0]).toBe('issue stage is restoring its ledger')
    expect(reasons[1]).toMatch(
      /^circuit open for route kyc: MOCA_UNAUTHORIZED MocaChain answered 401 to issue: partner JWT \[jwt\] rejected for J\*\*\*@example\.com x+…$/,
    )
    expect(reasons[1]!.length).toBeLessThan(500)
  })

  it('answers a probe that adds a query string as it answers the bare path', async () => {
    const { state, get } = await startOps()
    state.readiness = { ready: false, reasons: ['shutting down'] }
    expect((await get('/readyz?verbose=1')).status).toBe(503)
    expect((await get('/healthz?probe=liveness')).status).toBe(200)
  })

  it('serves the JWKS as cacheable JSON at the configured path', async () => {
    const { get } = await startOps()
    const response = await get('/.well-known/jwks.json')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(response.headers.get('cache-control')).toBe('public, max-age=300')
    expect(JSON.parse(response.body)).toEqual(jwks)
  })

  it('serves the metrics in the exposition format it was given', async () => {
    const { get } = await startOps()
    const response = await get('/metrics')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(response.body).toBe('moca_relay_consumed_total 3\n')
  })

  it('answers an unknown path with 404 naming the paths it serves', async () => {
    const { get } = await startOps({ jwksPath: '/keys.json' })
    const response = await get('/jwks.json')
    expect(response.status).toBe(404)
    expect(response.body).toContain('/healthz, /readyz, /metrics or /keys.json')
  })

  it('refuses anything but GET and HEAD with 405 and says what is allowed', async () => {
    const { get } = await startOps()
    const response = await get('/healthz', { method: 'POST' })
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('GET, HEAD')
  })
})
