import { runConfigCommand } from '../support/run-config-command.js'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, inject, it, onTestFinished } from 'vitest'
import { generatePartnerKey } from '../../src/auth/generate-partner-key.js'
import { createCheckCommand } from '../../src/cli/check-command.js'
import { createKafkaTestEnv } from '../support/kafka-test-env.js'
import { PARTNER_ID, startSandboxFixture, type SandboxFixture } from '../support/sandbox-fixture.js'

/** A config folder with the partner key file, as an operator would have it. */
async function configFolder(config: Record<string, unknown>, privateKeyPem: string) {
  const dir = await mkdtemp(join(tmpdir(), 'moca-relay-check-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, 'partner.pem'), privateKeyPem, { mode: 0o600 })
  await writeFile(join(dir, 'relay.json'), JSON.stringify(config))
  return join(dir, 'relay.json')
}

/** One route reading `topic`, the sandbox as MocaChain, the key in partner.pem beside it. */
function relayConfig(brokers: readonly string[], f: SandboxFixture, topic: string) {
  return {
    kafka: { brokers },
    moca: {
      baseUrl: f.sandbox.url,
      partnerId: PARTNER_ID,
      key: { kid: f.key.kid, file: 'partner.pem' },
    },
    routes: [
      {
        name: 'kyc',
        topics: [topic],
        program: { issuerDid: 'did:air:id:test:x', credentialId: 'c1' },
        credentialSubject: { level: 'level' },
      },
    ],
  }
}

async function check(configPath: string) {
  const { code, stdout, stderr } = await runConfigCommand(createCheckCommand, [
    '--config',
    configPath,
  ])
  return { code, lines: stdout.trimEnd().split('\n'), stderr }
}

describe('moca-relay check', () => {
  it('passes a working configuration, one line per service, and changes nothing', async () => {
    const env = createKafkaTestEnv()
    const topic = await env.createTopic('kyc.completed', { numPartitions: 3 })
    const f = await startSandboxFixture()
    const config = {
      ...relayConfig(env.brokers, f, topic),
      schemaRegistry: { url: inject('schemaRegistryUrl') },
    }
    const { code, lines } = await check(await configFolder(config, f.privateKeyPem))

    expect(lines.map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      '✓ config',
      '✓ partner',
      '✓ Kafka',
      '✓ input',
      '✓ groups',
      '✓ registry',
      '✓ MocaChain',
    ])
    expect(lines[3]).toContain(`${topic} (3 partitions)`)
    expect(lines[6]).toContain('accepted the partner JWT')
    expect(code).toBe(0)
    // a status call only: MocaChain holds no credential afterwards
    expect(f.sandbox.stats().credentials.issued).toBe(0)
  })

  it('regression: a topic of one partition is "(1 partition)", not "(1 partitions)"', async () => {
    const env = createKafkaTestEnv()
    const topic = await env.createTopic('kyc.completed', { numPartitions: 1 })
    const f = await startSandboxFixture()
    const { lines } = await check(
      await configFolder(relayConfig(env.brokers, f, topic), f.privateKeyPem),
    )
    expect(lines[3]).toMatch(new RegExp(`^✓ input topics\\s+${topic} \\(1 partition\\)$`))
  })

  it('regression: fails the Kafka line for a replication factor the cluster cannot give', async () => {
    const env = createKafkaTestEnv()
    const topic = await env.createTopic('kyc.completed', { numPartitions: 1 })
    const f = await startSandboxFixture()
    const config = { ...relayConfig(env.brokers, f, topic), topics: { replicationFactor: 5 } }
    const { code, lines } = await check(await configFolder(config, f.privateKeyPem))

    expect(code).toBe(1)
    expect(lines.find((l) => l.includes('Kafka'))).toMatch(
      /^✗ Kafka +CONFIG_INVALID: topics\.replicationFactor is 5, but the Kafka cluster has 1 live broker: set it to at most 1/,
    )
  })

  it('fails, naming what to fix: a missing input topic and a key MocaChain does not know', async () => {
    const env = createKafkaTestEnv()
    const f = await startSandboxFixture()
    // Same kid, another key: the JWKS MocaChain fetches does not verify its signatures.
    const stranger = await generatePartnerKey({ alg: 'ES256', kid: f.key.kid })
    const config = relayConfig(env.brokers, f, 'no-such-topic-for-check')
    const { code, lines } = await check(await configFolder(config, stranger.privateKeyPem))

    expect(code).toBe(1)
    expect(lines.find((l) => l.includes('input topics'))).toMatch(
      /^✗ input topics .*KAFKA_TOPIC_MISSING: input topic "no-such-topic-for-check" does not exist/,
    )
    expect(lines.find((l) => l.includes('registry'))).toMatch(/^– registry\s+none set/)
    expect(lines.find((l) => l.includes('MocaChain'))).toMatch(
      new RegExp(`^✗ MocaChain +MOCA_UNAUTHORIZED: .* must serve kid ${f.key.kid}`),
    )
  })
})
