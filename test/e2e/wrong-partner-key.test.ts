import { writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { generatePartnerKey } from '../../src/auth/generate-partner-key.js'
import { findFreePort } from '../support/free-port.js'
import { deepMerge, distinctUserEvents, startRelayFixture } from '../support/relay-fixture.js'
import { spawnCli, writeRelayConfig } from '../support/relay-process.js'

describe('a relay started with the wrong partner key', () => {
  it('names the open circuit on /readyz, and resumes by itself once the key file is fixed', async () => {
    const fixture = await startRelayFixture({ partitions: 2 })
    const opsPort = await findFreePort()
    // The operator's mistake: a different private key under the kid MocaChain knows.
    const wrong = await generatePartnerKey({ kid: fixture.sandbox.key.kid })
    const config = await writeRelayConfig(
      deepMerge(fixture.rawConfig, {
        moca: { key: { kid: fixture.sandbox.key.kid, file: 'partner.pem' } },
        ops: { port: opsPort },
      }),
    )
    const keyFile = join(dirname(config), 'partner.pem')
    await writeFile(keyFile, wrong.privateKeyPem, { mode: 0o600 })
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(20))
    const relay = spawnCli(['run', '--config', config], {}, 'wrong-key')

    const readyz = async (): Promise<{ status: number; reasons: string }> => {
      const response = await fetch(`http://127.0.0.1:${opsPort}/readyz`).catch(() => null)
      if (!response) return { status: 0, reasons: '' }
      const body = (await response.json()) as { reasons: string[] }
      return { status: response.status, reasons: body.reasons.join('\n') }
    }
    await expect
      .poll(async () => (await readyz()).reasons, { timeout: 30_000 })
      .toMatch(/circuit open for route kyc: MOCA_UNAUTHORIZED/)
    expect((await readyz()).status).toBe(503)
    expect(fixture.issueCalls().every((c) => c.httpStatus === 401)).toBe(true)

    // The operator copies the right key over the file; no restart.
    await writeFile(keyFile, fixture.sandbox.privateKeyPem, { mode: 0o600 })
    const out = await fixture.readOutputs((e) => e.onchain.length >= 20, 60_000)
    expect(out.issued).toHaveLength(20)
    expect(out.failed).toHaveLength(0)
    await expect.poll(async () => (await readyz()).status, { timeout: 30_000 }).toBe(200)
    relay.kill('SIGTERM')
    expect(await relay.exited).toBe(0)
  }, 90_000)
})
