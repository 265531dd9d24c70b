import { describe, expect, inject, it } from 'vitest'
import { startBasicAuthProxy } from '../support/basic-auth-proxy.js'
import { distinctUserEvents, startRelayFixture } from '../support/relay-fixture.js'

describe('schemaRegistry.username / password', () => {
  it('authenticates to a registry that requires credentials (as Confluent Cloud does)', async () => {
    const proxy = await startBasicAuthProxy(inject('schemaRegistryUrl'), 'api-key', 'api-secret')
    const fixture = await startRelayFixture({
      partitions: 1,
      config: {
        schemaRegistry: { url: proxy.url, username: 'api-key', password: 'api-secret' },
        output: { format: 'json-schema' },
      },
    })
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(3))

    // Without the right secret the registry refuses to register the output schemas: the relay
    // does not start, and says it was the registry's credentials.
    await expect(
      fixture.startRelay({ config: { schemaRegistry: { password: 'wrong' } } }),
    ).rejects.toMatchObject({
      code: 'SCHEMA_REGISTRY_REJECTED',
      message: expect.stringContaining('Set schemaRegistry.username and SCHEMA_REGISTRY_PASSWORD'),
    })
    expect(proxy.counts.refused).toBeGreaterThan(0)

    const relay = await fixture.startRelay()
    const consumer = await fixture.env.consumer()
    await consumer.subscribe({ topic: fixture.topics.onchain, fromBeginning: true })
    const values: Buffer[] = []
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value!)
          if (values.length >= 3) resolve()
        },
      })
    })
    // registry-encoded (the Confluent wire format), so the schemas were registered through the proxy
    expect(values.every((v) => v[0] === 0)).toBe(true)
    expect(proxy.counts.passed).toBeGreaterThan(0)
    expect(relay.relay.readiness().ready).toBe(true)
  })
})
