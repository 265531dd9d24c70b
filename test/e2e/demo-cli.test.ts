import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, inject, it, onTestFinished } from 'vitest'
import { DEMO_KEY_FILE } from '../../src/cli/demo/demo-configs.js'
import { buildSampleStream, CONSENT_REJECTED_EMAIL } from '../../src/cli/demo/sample-events.js'
import { createKafkaTestEnv } from '../support/kafka-test-env.js'
import { runCli } from '../support/relay-process.js'
import { scanForSecrets } from '../support/secret-scan.js'

describe('npm run demo, as a newcomer runs it', () => {
  it('accounts for every sample event, and a dry-run replay of its topic then has nothing to issue', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'moca-relay-demo-'))
    const env = { KAFKA_BROKERS: inject('kafkaBrokers').join(',') }
    const demo = await runCli(['demo', '--events', '120', '--dir', dir], env)
    expect(demo.code).toBe(0)
    expect(demo.output).toContain('Every sample event is accounted for.')
    expect(demo.output).toMatch(/credential\.issued\s+120\s+expected 120/)
    expect(demo.output).toMatch(/MOCA_CONSENT_REJECTED\s+1/)
    expect(demo.output).toMatch(/duplicates avoided\s+1/)
    // What the demo prints holds no partner JWT, no piece of its key and no sample email in clear.
    const samples = buildSampleStream({ kyc: 'kyc', membership: 'membership' }, 120)
    const emails = [
      ...new Set(
        samples.records.flatMap((r) => String(r.value).match(/[\w.+-]+@example\.com/g) ?? []),
      ),
    ]
    expect(emails).toContain(CONSENT_REJECTED_EMAIL)
    const privateKeyPem = await readFile(join(dir, DEMO_KEY_FILE), 'utf8')
    expect(scanForSecrets(demo.output, { privateKeyPem, emails })).toEqual([])

    const topic = /(demo-\d+\.kyc\.completed)/.exec(demo.output)?.[1] as string
    const prefix = topic.replace(/\.kyc\.completed$/, '')
    onTestFinished(async () => {
      const admin = await createKafkaTestEnv().admin()
      const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix))
      await admin.deleteTopics({ topics: mine }).catch(() => undefined)
    })
    const dryRun = await runCli(
      ['replay', '--config', join(dir, 'relay.yaml'), '--topic', topic, '--dry-run'],
      env,
    )
    expect(dryRun.code).toBe(0)
    expect(dryRun.output).toMatch(/would issue\s+0\b/)
  }, 120_000)
})
