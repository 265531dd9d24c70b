import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import { describe, expect, inject, it } from 'vitest'
import type { OutputEvent } from '../../src/domain/output-events.js'
import { uniqueName } from '../support/kafka-test-env.js'
import { KYC_PROGRAM, startRelayFixture } from '../support/relay-fixture.js'

const KYC_AVRO = {
  type: 'record',
  name: 'KycCompleted',
  namespace: 'com.example.kyc',
  fields: [
    { name: 'email', type: 'string' },
    { name: 'level', type: 'int' },
  ],
}

describe('the relay with a schema registry', () => {
  it('reads Avro inputs and writes outputs encoded with the registry (JSON Schema)', async () => {
    const registryUrl = inject('schemaRegistryUrl')
    const registry = new SchemaRegistry({ host: registryUrl })
    const fixture = await startRelayFixture({
      partitions: 2,
      config: { schemaRegistry: { url: registryUrl }, output: { format: 'json-schema' } },
    })
    // An upstream producer registers its schema and writes the Confluent wire format.
    const { id } = await registry.register(
      {
        type: SchemaType.AVRO,
        schema: JSON.stringify({
          ...KYC_AVRO,
          name: uniqueName('KycCompleted').replace(/-/g, '_'),
        }),
      },
      { subject: `${fixture.topics.kyc}-value` },
    )
    const records = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => ({
        key: `user-${i % 4}`,
        value: await registry.encode(id, { email: `user${i % 4}@example.com`, level: i }),
      })),
    )
    await fixture.produce(fixture.topics.kyc, records)
    await fixture.startRelay({
      config: {
        routes: [
          {
            name: 'kyc',
            topics: [fixture.topics.kyc],
            program: KYC_PROGRAM,
            email: 'email',
            credentialSubject: { kycVerified: true, level: 'level' },
          },
        ],
      },
    })

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
