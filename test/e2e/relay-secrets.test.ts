import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { maskEmail } from '../../src/domain/mask-email.js'
import { findFreePort } from '../support/free-port.js'
import { deepMerge, startRelayFixture } from '../support/relay-fixture.js'
import { spawnCli, writeRelayConfig } from '../support/relay-process.js'
import { scanForSecrets } from '../support/secret-scan.js'

const USERS = Array.from({ length: 8 }, (_, i) => `secret-user${i}@example.com`)
const REFUSER = 'refuser@example.com'
const WRONG_LEVEL = 'wrong-level@example.com'
const POISONED = 'poisoned@example.com'
/** RFC 7518 members that hold private or secret key material. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth']

describe('invariant 7: secrets stay secret, at the most verbose log level', () => {
  it('logs, output events and ops endpoints carry no JWT, no private key and no email in clear', async () => {
    const fixture = await startRelayFixture({
      partitions: 2,
      sandbox: {
        config: { users: [{ email: REFUSER, consentRejected: true }] },
        // Retries and an uncertain outcome, so that their log lines are written too.
        faults: {
          issue: { rates: { http503: 0.2 }, next: ['applyThen500'], retryAfterSeconds: 0 },
          status: { rates: { http500: 0.2 } },
        },
      },
    })
    const events = [
      ...USERS.map((email, i) => ({ user: { email }, level: i })),
      { user: { email: REFUSER }, level: 1 },
      // The program's schema wants an integer: MocaChain answers 400.
      { user: { email: WRONG_LEVEL }, level: 'high' },
    ].map((value) => JSON.stringify(value))
    const opsPort = await findFreePort()
    const config = await writeRelayConfig(deepMerge(fixture.rawConfig, { ops: { port: opsPort } }))
    const relay = spawnCli(
      ['run', '--config', config],
      { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem, LOG_LEVEL: 'trace' },
      'secrets',
    )
    await fixture.produce(
      fixture.topics.kyc,
      // Keys are not emails here: record keys are the producer's, passed through to the outputs.
      [...events, `{"user":{"email":"${POISONED}"},"level":`].map((value, i) => ({
        key: `user-${i}`,
        value,
      })),
    )
    // The relay creates the output topics as it starts: read them once it says it is ready.
    const ops = `http://127.0.0.1:${opsPort}`
    await expect
      .poll(async () => (await fetch(`${ops}/readyz`).catch(() => null))?.status, {
        timeout: 30_000,
      })
      .toBe(200)

    const outputs = await fixture.readOutputs(
      (e) => e.onchain.length >= USERS.length && e.failed.length >= 3,
      90_000,
    )
    expect(outputs.failed.map((e) => e.failure.code).sort()).toEqual([
      'INPUT_UNDECODABLE',
      'MOCA_BAD_REQUEST',
      'MOCA_CONSENT_REJECTED',
    ])
    const jwksResponse = await fetch(`${ops}/.well-known/jwks.json`)
    const jwksText = await jwksResponse.text()
    const endpoints = [
      jwksText,
      await (await fetch(`${ops}/metrics`)).text(),
      await (await fetch(`${ops}/readyz`)).text(),
    ]
    relay.kill('SIGTERM')
    expect(await relay.exited).toBe(0)
    const logs = await readFile(relay.logFile, 'utf8')

    // The scan is only worth something if it read what the relay did: its debug lines (nothing
    // logs at trace), its
    // retries, each failure, and the public key the sandbox verified with.
    expect(logs).toMatch(/"level":"debug"/)
    expect(logs).toMatch(/MOCA_UNCERTAIN/)
    expect(logs).toMatch(/MOCA_CONSENT_REJECTED/)
    expect(logs).toMatch(/INPUT_UNDECODABLE/)
    expect(logs).toContain(maskEmail(REFUSER))
    expect(outputs.records).toHaveLength(2 * USERS.length + 3)
    const jwks = JSON.parse(jwksText) as { keys: Record<string, unknown>[] }
    expect(jwks.keys.map((k) => k.kid)).toContain(fixture.sandbox.key.kid)

    const published = outputs.records
      .map((r) => {
        const headers = Object.entries(r.headers).map(
          ([name, value]) => `${name}: ${String(value)}`,
        )
        return [r.key, ...headers, r.value].join('\n')
      })
      .join('\n')
    const secrets = {
      privateKeyPem: fixture.sandbox.privateKeyPem,
      emails: [...USERS, REFUSER, WRONG_LEVEL, POISONED],
    }
    expect({
      logs: scanForSecrets(logs, secrets),
      outputs: scanForSecrets(published, secrets),
      endpoints: scanForSecrets(endpoints.join('\n'), secrets),
    }).toEqual({ logs: [], outputs: [], endpoints: [] })
    for (const key of jwks.keys) {
      expect(
        PRIVATE_MEMBERS.filter((member) => member in key),
        String(key.kid),
      ).toEqual([])
    }
  }, 120_000)
})
