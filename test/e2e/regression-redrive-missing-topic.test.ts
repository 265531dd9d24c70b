import { describe, expect, it } from 'vitest'
import { uniqueName } from '../support/kafka-test-env.js'
import { deepMerge, relayWithConsentFailure, startRelayFixture } from '../support/relay-fixture.js'
import { runCli, writeRelayConfig } from '../support/relay-process.js'

// The failure, in both cases: kafkajs retried the missing topic's offsets for ~10 s, logging an
// error line per try, and the redrive ended "unexpected error (a bug, please report it):
// KafkaJSNonRetriableError … This server does not host this topic-partition" with exit 70.
describe('regression: a redrive that meets a topic the cluster does not have', () => {
  it('of failures whose input topic was deleted is KAFKA_TOPIC_MISSING, as replay says, exit 1', async () => {
    const { fixture, relay: live } = await relayWithConsentFailure()
    await live.stop()
    const admin = await fixture.env.admin()
    await admin.deleteTopics({ topics: [fixture.topics.kyc] })
    const config = await writeRelayConfig(fixture.rawConfig)
    const redrive = await runCli(['redrive', '--config', config, '--dry-run'], {
      MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem,
    })
    expect(redrive.output).not.toContain('unexpected error')
    expect(redrive.output).toContain(
      `moca-relay: input topic "${fixture.topics.kyc}" does not exist: create it (the producers' topics), or fix routes[].topics.`,
    )
    expect(redrive.output).toContain('[KAFKA_TOPIC_MISSING]')
    expect(redrive.code).toBe(1)
  }, 90_000)

  it('whose topics.failed names a topic the cluster does not have says so, exit 1', async () => {
    const fixture = await startRelayFixture({ partitions: 1 })
    const missing = uniqueName('never-created')
    const config = await writeRelayConfig(
      deepMerge(fixture.rawConfig, { topics: { failed: missing } }),
    )
    const redrive = await runCli(['redrive', '--config', config, '--dry-run'], {
      MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem,
    })
    expect(redrive.output).not.toContain('unexpected error')
    expect(redrive.output).toContain(
      `moca-relay: topics.failed "${missing}" does not exist: the relay creates it when it starts, so no relay with this config has run against this cluster. Check --config, kafka.brokers and topics.failed.`,
    )
    expect(redrive.output).toContain('[KAFKA_TOPIC_MISSING]')
    expect(redrive.code).toBe(1)
  }, 60_000)
})
