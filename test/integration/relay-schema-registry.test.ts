import { describe, expect, inject, it } from 'vitest'
import type { OutputEvent } from '../../src/domain/output-events.js'
import { kycAvroRoute, produceKycAvro } from '../support/kyc-avro.js'
import { startRelayFixture } from '../support/relay-fixture.js'
import { plainRegistryClient } from '../support/plain-registry-client.js'

describe('the relay with a schema registry', () => {
  it('reads Avro inputs and writes outputs encoded with the registry (JSON Schema)', async () => {
    const registryUrl = inject('schemaRegistryUrl')
    const registry = plainRegistryClient(registryUrl)
    const fixture = await startRelayFixture({
      partitions: 2,
      config: { schemaRegistry: { url: registryUrl }, output: { format: 'json-schema' } },
    })
    // An upstream producer registers its schema and writes the Confluent wire format.
    await produceKycAvro(fixture, registry, { count: 12, users: 4 })
    await fixture.startRelay({ config: { routes: [kycAvroRoute(fixture.topics.kyc)] } })

    // Read the raw outputs and decode them as a downstream consumer would: through the registry.
    const consumer = await fixture.env.consumer()
    await consumer.subscribe({
      topics: [fixture.topics.issued, fixture.topics.onchain],
      fromBeginning: true,
    })
    const decoded: { topic: string; event: OutputEvent; contentType: string | undefined }[] = []
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ topic, message }) => {
          expect(message.value?.[0]).toBe(0) // the Confluent wire format's magic byte
          decoded.push({
            topic,
            event: (await registry.decode(message.value!)) as OutputEvent,
            contentType: message.headers?.['content-type']?.toString(),
          })
          if (decoded.filter((d) => d.topic === fixture.topics.onchain).length >= 12) resolve()
        },
      })
    })
    const issued = decoded.filter((d) => d.topic === fixture.topics.issued)
    expect(issued).toHaveLength(12)
    expect(
      issued.every(
        (d) =>
          d.event.type === 'credential.issued' &&
          d.contentType === 'application/vnd.confluent.json-schema',
      ),
    ).toBe(true)
    expect(new Set(issued.map((d) => d.event.idempotencyKey)).size).toBe(12)
    // The registry holds the output contract under the topic's subject.
    expect(await registry.getLatestSchemaId(`${fixture.topics.issued}-value`)).toBeGreaterThan(0)
  })
})
