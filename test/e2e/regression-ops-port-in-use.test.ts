import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { describe, expect, inject, it, onTestFinished } from 'vitest'
import { generatePartnerKey } from '../../src/auth/generate-partner-key.js'
import { runCli, writeRelayConfig } from '../support/relay-process.js'

/**
 * Was: `moca-relay run` with its ops port held by another program (a second relay, an exporter)
 * died with "unexpected error (a bug, please report it): Error: listen EADDRINUSE", a stack trace
 * and exit 70. A taken port is the operator's to fix: one line naming the address, ops.port and
 * MOCA_RELAY_OPS_PORT, and exit 1.
 */
describe('moca-relay run on an ops port that is taken', () => {
  it('names the address and the settings, and exits 1 without a stack trace', async () => {
    const holder = createServer()
    await new Promise<void>((done) => holder.listen(0, '127.0.0.1', done))
    onTestFinished(() => new Promise<void>((done) => holder.close(() => done())))
    const { port } = holder.address() as { port: number }
    const name = `f1a-ops-port-${process.pid}`
    const config = await writeRelayConfig({
      kafka: { brokers: inject('kafkaBrokers'), groupId: name },
      topics: {
        issued: `${name}.issued`,
        onchain: `${name}.onchain`,
        failed: `${name}.failed`,
        internalPrefix: name,
      },
      moca: {
        baseUrl: 'http://127.0.0.1:9/v1',
        partnerId: 'f1a-partner',
        key: { alg: 'ES256', kid: 'f1a-partner', file: 'partner.pem' },
      },
      ops: { host: '127.0.0.1', port },
      routes: [
        {
          name: 'kyc',
          topics: [`f1a-ops-port-input-${process.pid}`],
          program: { issuerDid: 'did:air:id:test:f1a', credentialId: 'f1a-program' },
          credentialSubject: { level: 'level' },
        },
      ],
    })
    const key = await generatePartnerKey({ kid: 'f1a-partner' })
    await writeFile(join(dirname(config), 'partner.pem'), key.privateKeyPem, { mode: 0o600 })

    const run = await runCli(['run', '--config', config], { LOG_LEVEL: 'silent' })

    expect(run.output).not.toContain('unexpected error')
    expect(run.output).not.toMatch(/\n\s+at /)
    expect(run.output).toContain(
      `moca-relay: cannot listen on 127.0.0.1:${port} for /healthz, /readyz, /metrics and the JWKS (EADDRINUSE): another program holds the port; stop it, or set ops.port (or MOCA_RELAY_OPS_PORT) to a free port [OPS_LISTEN_FAILED]`,
    )
    expect(run.code).toBe(1)
  })
})
