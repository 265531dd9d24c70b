import { runConfigCommand } from '../support/run-config-command.js'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { stringify } from 'yaml'
import { createAclsCommand } from '../../src/cli/acls-command.js'
import { parseConfig } from '../../src/config/load-config.js'
import { requiredAcls } from '../../src/kafka/required-acls.js'

const BASE = {
  kafka: {
    brokers: ['kafka-1:9092', 'kafka-2:9092'],
    groupId: 'kyc-relay',
    sasl: { mechanism: 'scram-sha-512', username: 'relay-svc', password: 'p' },
  },
  topics: { internalPrefix: 'kyc-relay' },
  moca: { partnerId: 'partner', key: { kid: 'k', file: 'k.pem' } },
  routes: [
    {
      name: 'kyc',
      topics: ['kyc.completed', 'kyc.renewed'],
      program: { issuerDid: 'did:air:id:test:issuer', credentialId: 'c-1' },
      credentialSubject: {},
    },
  ],
}

const parse = (raw: unknown) => parseConfig(raw, { env: {}, configPath: 'relay.yaml' }).config

async function runAcls(raw: unknown, args: string[] = []) {
  const dir = await mkdtemp(join(tmpdir(), 'moca-relay-acls-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'relay.yaml')
  await writeFile(file, stringify(raw))
  return runConfigCommand(createAclsCommand, ['--config', file, ...args])
}

describe('requiredAcls', () => {
  it("covers the config's topics, internal prefix, groups and transactional ids, nothing else", () => {
    const grants = requiredAcls(parse(BASE))
    const line = (g: (typeof grants)[number]) =>
      `${g.resourceType} ${g.patternType} ${g.name}: ${g.operations.join(',')}`
    expect(grants.map(line)).toEqual([
      'topic literal kyc.completed: Read,Describe',
      'topic literal kyc.renewed: Read,Describe',
      'topic literal credential.issued: Write,Describe,Create',
      'topic literal credential.onchain: Write,Describe,Create',
      'topic literal credential.failed: Write,Read,Describe,Create',
      'topic prefixed kyc-relay.: Read,Write,Describe,Create,Alter',
      'group literal kyc-relay: Read,Describe',
      'group prefixed kyc-relay.: Read,Describe,Delete',
      'transactional-id prefixed kyc-relay.: Write,Describe',
    ])
  })

  it('asks no Create on the output topics when the relay does not create them', () => {
    const raw = { ...BASE, topics: { ...BASE.topics, create: false } }
    const outputs = requiredAcls(parse(raw)).filter((g) => g.name.startsWith('credential.'))
    expect(outputs.every((g) => !g.operations.includes('Create'))).toBe(true)
  })

  it('follows kafka.transactionalIdPrefix', () => {
    const raw = { ...BASE, kafka: { ...BASE.kafka, transactionalIdPrefix: 'tx-kyc' } }
    const ids = requiredAcls(parse(raw)).filter((g) => g.resourceType === 'transactional-id')
    expect(ids.map((g) => g.name)).toEqual(['tx-kyc.'])
  })
})

describe('moca-relay acls', () => {
  it('prints kafka-acls.sh commands for the SASL user, each after what it is for', async () => {
    const { code, stdout } = await runAcls(BASE)
    expect(code).toBe(0)
    expect(stdout).toContain(
      '# topic names starting with kyc-relay.: internal topics: the ledgers (created at start-up, grown with their input topic) and kyc-relay.confirm-queue\n' +
        "kafka-acls.sh --bootstrap-server kafka-1:9092,kafka-2:9092 --add --allow-principal 'User:relay-svc' --operation Read --operation Write --operation Describe --operation Create --operation Alter --resource-pattern-type prefixed --topic 'kyc-relay.'",
    )
    expect(stdout.match(/^kafka-acls\.sh /gm)).toHaveLength(9)
    expect(stdout).not.toContain('--cluster')
  })

  it('takes the OAuth client id as the principal, or --principal', async () => {
    const oauth = {
      ...BASE,
      kafka: {
        ...BASE.kafka,
        sasl: {
          mechanism: 'oauthbearer',
          tokenEndpoint: 'https://idp.example.com/token',
          clientId: 'relay-client',
          clientSecret: 's',
        },
      },
    }
    expect((await runAcls(oauth)).stdout).toContain("--allow-principal 'User:relay-client'")
    expect((await runAcls(oauth, ['--principal', 'User:CN=relay'])).stdout).toContain(
      "--allow-principal 'User:CN=relay'",
    )
  })

  it('asks for --principal when kafka.sasl does not name one', async () => {
    const { code, stderr } = await runAcls({ ...BASE, kafka: { brokers: ['kafka-1:9092'] } })
    expect(code).toBe(2)
    expect(stderr).toContain('pass --principal')
  })
})
