import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
  type Admin,
} from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitUntil } from '../../bench/support/wait-until.js'
import { parseConfig } from '../../src/config/load-config.js'
import { requiredAcls, type AclGrant } from '../../src/kafka/required-acls.js'
import { captureLogs } from '../support/capture-logs.js'
import { deepMerge, distinctUserEvents, startRelayFixture } from '../support/relay-fixture.js'
import { runCli, writeRelayConfig } from '../support/relay-process.js'
import { startSaslBroker, type SaslBroker } from '../support/sasl-broker.js'

const PRINCIPAL = 'User:relay'

/** Creates the grants for PRINCIPAL, from a super user's admin client. */
async function grantAcls(admin: Admin, grants: readonly AclGrant[]): Promise<void> {
  const resourceType = {
    topic: AclResourceTypes.TOPIC,
    group: AclResourceTypes.GROUP,
    'transactional-id': AclResourceTypes.TRANSACTIONAL_ID,
  }
  await admin.createAcls({
    acl: grants.flatMap((grant) =>
      grant.operations.map((operation) => ({
        resourceType: resourceType[grant.resourceType],
        resourceName: grant.name,
        resourcePatternType:
          grant.patternType === 'prefixed'
            ? ResourcePatternTypes.PREFIXED
            : ResourcePatternTypes.LITERAL,
        principal: PRINCIPAL,
        host: '*',
        operation: AclOperationTypes[operation.toUpperCase() as keyof typeof AclOperationTypes],
        permissionType: AclPermissionTypes.ALLOW,
      })),
    ),
  })
}

describe('Kafka ACLs', () => {
  let sasl: SaslBroker

  beforeAll(async () => {
    sasl = await startSaslBroker({ plain: { relay: 'relay-secret' }, scram: {}, authorizer: true })
  }, 120_000)

  afterAll(async () => {
    await sasl?.broker.remove()
  })

  it('start-up names the missing ACL, a refused transactional id is retried until granted, and with exactly requiredAcls run, replay and redrive work', async () => {
    const fixture = await startRelayFixture({ brokers: [sasl.broker.address], partitions: 2 })
    await fixture.produce(fixture.topics.kyc, [
      ...distinctUserEvents(5),
      { key: 'poison', value: '{not json' },
    ])
    const kafka = {
      brokers: [sasl.saslAddress],
      sasl: { mechanism: 'plain', username: 'relay', password: 'relay-secret' },
    }
    const start = () => fixture.startRelay({ config: { kafka } })

    await expect(start()).rejects.toMatchObject({
      code: 'KAFKA_TOPIC_MISSING',
      message: expect.stringContaining(
        "On a cluster with ACLs, topics the relay's principal may not Describe look missing too: `moca-relay acls` lists what it needs",
      ),
    })

    const { config } = parseConfig(deepMerge(fixture.rawConfig, { kafka }), {
      env: { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem },
      configPath: `${process.cwd()}/test-relay.yaml`,
    })
    // the topics and the internal prefix, but not the groups: kafkajs hides that refusal
    const grants = requiredAcls(config)
    await grantAcls(
      await fixture.env.admin(),
      grants.filter((g) => g.resourceType === 'topic'),
    )
    await expect(start()).rejects.toMatchObject({
      code: 'KAFKA_NOT_AUTHORIZED',
      message: expect.stringMatching(
        /Kafka refused the relay \(GROUP_AUTHORIZATION_FAILED\).*Fix: `moca-relay acls --config <file>` prints every ACL/,
      ),
    })
    // `moca-relay check`, before any start, says the same about the groups
    const file = await writeRelayConfig(
      deepMerge(fixture.rawConfig, {
        kafka: { ...kafka, sasl: { ...kafka.sasl, password: undefined } },
      }),
    )
    const env = {
      MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem,
      KAFKA_SASL_PASSWORD: 'relay-secret',
      // the SASL listener, also when the shell running the tests exports the stack's brokers
      KAFKA_BROKERS: sasl.saslAddress,
    }
    const refusedCheck = await runCli(['check', '--config', file], env)
    expect(refusedCheck.code).toBe(1)
    expect(refusedCheck.output).toMatch(
      /✓ input topics .*\n✗ groups +KAFKA_NOT_AUTHORIZED: Kafka refused the relay \(GROUP_AUTHORIZATION_FAILED\)/,
    )

    // the groups but not the transactional ids: the relay starts, and Kafka refuses each
    // partition its transactions until the ACL exists; then the partitions are taken up again
    await grantAcls(
      await fixture.env.admin(),
      grants.filter((g) => g.resourceType === 'group'),
    )
    const { logger, lines } = captureLogs('error')
    await fixture.startRelay({ config: { kafka }, logger })
    await waitUntil(
      () =>
        lines.some((l) => (l.err as { code?: string } | undefined)?.code === 'KAFKA_NOT_AUTHORIZED')
          ? true
          : undefined,
      { what: 'a refused transaction', timeoutMs: 30_000 },
    )
    expect(
      lines.find((l) => (l.err as { code?: string } | undefined)?.code === 'KAFKA_NOT_AUTHORIZED')
        ?.msg,
    ).toContain('an ACL is missing: `moca-relay acls` lists them')
    await grantAcls(
      await fixture.env.admin(),
      grants.filter((g) => g.resourceType === 'transactional-id'),
    )
    const out = await fixture.readOutputs((e) => e.onchain.length >= 5 && e.failed.length >= 1)
    expect(out.onchain).toHaveLength(5)
    expect(out.failed.map((e) => e.failure.code)).toEqual(['INPUT_UNDECODABLE'])

    // the operator's commands, as a user runs them, with the same grants (the password from
    // the environment): replay's run group and transactional ids, redrive's reader group
    const check = await runCli(['check', '--config', file], env)
    expect(check.output).toMatch(/✓ groups /)
    expect(check.code).toBe(0)
    const replay = await runCli(
      ['replay', '--config', file, '--topic', fixture.topics.kyc, '--from', 'earliest'],
      env,
    )
    expect(replay.output).toMatch(/issued\s+0\b/)
    expect(replay.code).toBe(0)
    const redrive = await runCli(['redrive', '--config', file, '--dry-run'], env)
    expect(redrive.output).toMatch(/1 failed events? on .*; 1 selected/)
    expect(redrive.code).toBe(0)
  }, 120_000)
})
