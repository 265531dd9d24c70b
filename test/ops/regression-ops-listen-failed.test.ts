import { createServer } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { isRelayError } from '../../src/errors/relay-error.js'
import { createSilentLogger } from '../../src/ops/logger.js'
import { startOpsServer } from '../../src/ops/ops-server.js'

/**
 * Was: an ops port another program held, or an ops.host the machine does not have, stopped
 * `moca-relay run` with "unexpected error (a bug, please report it): Error: listen EADDRINUSE",
 * a stack trace and exit 70: startOpsServer passed the raw listen error on. It is the operator's
 * to fix, so it is now OPS_LISTEN_FAILED, naming the address and the setting to change.
 */

async function listenFailure(host: string, port: number): Promise<unknown> {
  return startOpsServer({
    host,
    port,
    jwksPath: '/.well-known/jwks.json',
    jwks: () => ({ keys: [] }),
    readiness: () => ({ ready: true, reasons: [] }),
    metrics: { contentType: 'text/plain', render: async () => '' },
    alive: () => true,
    logger: createSilentLogger(),
  }).then(
    async (server) => {
      await server.close()
      throw new Error(`the ops server listened on ${server.url}`)
    },
    (err: unknown) => err,
  )
}

describe('an ops server that cannot listen', () => {
  it('on a port another program holds, names the address, ops.port and MOCA_RELAY_OPS_PORT', async () => {
    const holder = createServer()
    await new Promise<void>((done) => holder.listen(0, '127.0.0.1', done))
    onTestFinished(() => new Promise<void>((done) => holder.close(() => done())))
    const { port } = holder.address() as { port: number }

    const err = await listenFailure('127.0.0.1', port)
    expect(isRelayError(err) && err.code).toBe('OPS_LISTEN_FAILED')
    expect((err as Error).message).toBe(
      `cannot listen on 127.0.0.1:${port} for /healthz, /readyz, /metrics and the JWKS (EADDRINUSE): another program holds the port; stop it, or set ops.port (or MOCA_RELAY_OPS_PORT) to a free port`,
    )
  })

  it('on a host that is not an address of this machine, names ops.host', async () => {
    // TEST-NET-1 (RFC 5737): never an address of the machine running the tests
    const err = await listenFailure('192.0.2.1', 0)
    expect(isRelayError(err) && err.code).toBe('OPS_LISTEN_FAILED')
    expect((err as Error).message).toBe(
      'cannot listen on 192.0.2.1:0 for /healthz, /readyz, /metrics and the JWKS (EADDRNOTAVAIL): 192.0.2.1 is not an address of this machine; set ops.host to one of its addresses (0.0.0.0: all of them)',
    )
  })
})
