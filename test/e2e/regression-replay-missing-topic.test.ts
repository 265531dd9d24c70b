import { describe, expect, it } from 'vitest'
import { uniqueName } from '../support/kafka-test-env.js'
import { startRelayFixture } from '../support/relay-fixture.js'
import { runCli, writeRelayConfig } from '../support/relay-process.js'

describe('regression: replay of a topic a route reads but the cluster does not have', () => {
  it('is KAFKA_TOPIC_MISSING on one line, exit 1, as check and run say, not a bug after 10 s of retries', async () => {
    // The failure: kafkajs retried the topic's offsets for ~10 s, logging errors, and the replay
    // ended "unexpected error (a bug, please report it): KafkaJSNonRetriableError … This server
    // does not host this topic-partition" with exit 70.
    const fixture = await startRelayFixture({ partitions: 1 })
    const missing = uniqueName('never-created')
    const routes = fixture.rawConfig.routes as Record<string, unknown>[]
    const config = await writeRelayConfig({
      ...fixture.rawConfig,
      routes: [...routes, { ...routes[0], name: 'gone', topics: [missing] }],
    })
    const replay = await runCli(['replay', '--config', config, '--topic', missing, '--dry-run'], {
      MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem,
    })
    expect(replay.output).not.toContain('unexpected error')
    expect(replay.output).toContain(
      `moca-relay: input topic "${missing}" does not exist: create it (the producers' topics), or fix routes[].topics.`,
    )
    expect(replay.output).toContain('[KAFKA_TOPIC_MISSING]')
    expect(replay.code).toBe(1)
  }, 60_000)
})
