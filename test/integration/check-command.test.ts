import { runConfigCommand } from '../support/run-config-command.js'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, inject, it, onTestFinished } from 'vitest'
import { generatePartnerKey } from '../../src/auth/generate-partner-key.js'
import { createCheckCommand } from '../../src/cli/check-command.js'
import { createKafkaTestEnv } from '../support/kafka-test-env.js'
import { deleteSubjects, registerSchemaText } from '../support/registry-subjects.js'
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
      '– input',
      '✓ MocaChain',
    ])
    expect(lines[3]).toContain(`${topic} (3 partitions)`)
    expect(lines[6]).toMatch(
      new RegExp(`^– input schema +${topic}-value: none registered \\(plain JSON or CloudEvents`),
    )
    expect(lines[7]).toContain('accepted the partner JWT')
    expect(code).toBe(0)
    // a status call only: MocaChain holds no credential afterwards
    expect(f.sandbox.stats().credentials.issued).toBe(0)
  })

  it("reads each input topic's registered schema as the relay does, and fails one it cannot read", async () => {
    const env = createKafkaTestEnv()
    const readable = await env.createTopic('kyc.completed', { numPartitions: 1 })
    const unreadable = await env.createTopic('member.joined', { numPartitions: 1 })
    const registryUrl: string = inject('schemaRegistryUrl')
    const subjects = [`${readable}-value`, `${unreadable}-value`]
    onTestFinished(() => deleteSubjects(registryUrl, subjects))
    const readableId = await registerSchemaText(registryUrl, subjects[0] as string, {
      schemaType: 'JSON',
      schema: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        properties: { level: { type: 'integer' } },
      },
    })
    const unreadableId = await registerSchemaText(registryUrl, subjects[1] as string, {
      schemaType: 'JSON',
      schema: { $schema: 'http://json-schema.org/draft-03/schema#' },
    })
    const f = await startSandboxFixture()
    const base = relayConfig(env.brokers, f, readable)
    const config = {
      ...base,
      schemaRegistry: { url: registryUrl },
      routes: [...base.routes, { ...base.routes[0], name: 'member', topics: [unreadable] }],
    }
    const { code, lines } = await check(await configFolder(config, f.privateKeyPem))

    expect(lines.filter((l) => l.includes('input schema'))).toEqual([
      `✓ input schema  ${readable}-value: schema id ${readableId} (JSON Schema, its latest version), which the relay reads`,
      `✗ input schema  ${unreadable}-value: INPUT_UNDECODABLE: schema id ${unreadableId} exists in the registry but cannot be used to decode: its $schema is http://json-schema.org/draft-03/schema#, a JSON Schema draft the relay does not read. Register a schema the relay can read: Avro, or JSON Schema draft-04, draft-06, draft-07 (the default), 2019-09 or 2020-12 whose every $ref finds a schema it references, by the name its references give it or by its $id.`,
    ])
    expect(code).toBe(1)
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
