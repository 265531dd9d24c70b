import { describe, expect, it } from 'vitest'
import { generatePartnerKey } from '../../src/auth/generate-partner-key.js'
import { findFreePort } from '../support/free-port.js'
import { runCheck } from '../support/run-check.js'

/**
 * `moca-relay check` with a kafka.ssl file it cannot read (a typo in tls/ca.pem, as the README's
 * Aiven example invites) printed the config and key lines, then gave up: the CONFIG_INVALID from
 * kafkaTlsOptions escapes check-command.ts's checkKafka, because createKafkaFromConfig is called
 * outside checkStep. No "✗ Kafka" line, and the registry and MocaChain are never checked, while
 * the README promises one line per service.
 */
describe('moca-relay check with an unreadable kafka.ssl file', () => {
  it('reports it on the Kafka line and still checks the services after it', async () => {
    const key = await generatePartnerKey({ kid: 'p1' })
    const { code, out: stdout } = await runCheck({
      kafka: { brokers: ['127.0.0.1:1'], ssl: { ca: 'tls/ca.pem' } },
      moca: {
        // Nothing listens there: the MocaChain check fails fast, but it must be reported.
        baseUrl: `http://127.0.0.1:${await findFreePort()}/v1`,
        partnerId: 'p1',
        key: { kid: 'p1', file: 'partner.pem' },
      },
      files: { 'partner.pem': key.privateKeyPem },
    })

    expect(code).toBe(1)
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
