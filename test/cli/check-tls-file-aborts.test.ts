import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { generatePartnerKey } from '../../src/auth/generate-partner-key.js'
import { createCheckCommand } from '../../src/cli/check-command.js'
import { findFreePort } from '../support/free-port.js'

/**
 * `moca-relay check` with a kafka.ssl file it cannot read (a typo in tls/ca.pem, as the README's
 * Aiven example invites) printed the config and key lines, then gave up: the CONFIG_INVALID from
 * kafkaTlsOptions escapes check-command.ts's checkKafka, because createKafkaFromConfig is called
 * outside checkStep. No "✗ Kafka" line, and the registry and MocaChain are never checked, while
 * the README promises one line per service.
 */
describe('moca-relay check with an unreadable kafka.ssl file', () => {
  it('reports it on the Kafka line and still checks the services after it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'moca-relay-check-tls-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const key = await generatePartnerKey({ kid: 'p1' })
    await writeFile(join(dir, 'partner.pem'), key.privateKeyPem, { mode: 0o600 })
    // Nothing listens there: the MocaChain check fails fast, but it must be reported.
    const mocaPort = await findFreePort()
    await writeFile(
      join(dir, 'relay.json'),
      JSON.stringify({
        kafka: { brokers: ['127.0.0.1:1'], ssl: { ca: 'tls/ca.pem' } },
        moca: {
          baseUrl: `http://127.0.0.1:${mocaPort}/v1`,
          partnerId: 'p1',
          key: { kid: 'p1', file: 'partner.pem' },
        },
        routes: [
          {
            name: 'kyc',
            topics: ['kyc.completed'],
            program: { issuerDid: 'did:air:id:test:x', credentialId: 'c1' },
            credentialSubject: { level: 'level' },
          },
        ],
      }),
    )

    let stdout = ''
    const outcome = await createCheckCommand({
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: () => true },
      env: {},
    })
      .run(['--config', join(dir, 'relay.json')])
      .then(
        (code) => ({ code }),
        (err: unknown) => ({ thrown: err }),
      )

    expect(outcome).toEqual({ code: 1 })
    const lines = stdout.trimEnd().split('\n')
    expect(lines.find((l) => /^\S Kafka /.test(l))).toMatch(/^✗ Kafka .*kafka\.ssl\.ca/)
    expect(lines.filter((l) => l.includes('not checked: the Kafka check failed'))).toEqual([
      expect.stringMatching(/^– input topics /),
      expect.stringMatching(/^– groups /),
    ])
    expect(lines.find((l) => l.includes('registry'))).toMatch(/^– registry +none set/)
    expect(lines.find((l) => l.includes('MocaChain'))).toMatch(/^✗ MocaChain/)
  })
})
