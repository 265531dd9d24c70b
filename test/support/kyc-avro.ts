import { SchemaType, type SchemaRegistry } from '@kafkajs/confluent-schema-registry'
import { uniqueName } from './kafka-test-env.js'
import { KYC_PROGRAM, type RelayFixture } from './relay-fixture.js'

/** A KYC event as an upstream producer writes it in Avro: the email at the top level. */
const KYC_AVRO_FIELDS = [
  { name: 'email', type: 'string' },
  { name: 'level', type: 'int' },
]

/**
 * Registers a KYC Avro schema under `<kyc topic>-value`, as an upstream producer does, and
 * writes `count` records in the Confluent wire format: record i is user `i % users`, level i.
 */
export async function produceKycAvro(
  fixture: RelayFixture,
  registry: SchemaRegistry,
  { count, users = count }: { readonly count: number; readonly users?: number },
): Promise<void> {
  const { id } = await registry.register(
    {
      type: SchemaType.AVRO,
      schema: JSON.stringify({
        type: 'record',
        name: uniqueName('KycCompleted').replace(/-/g, '_'),
        namespace: 'com.example.kyc',
        fields: KYC_AVRO_FIELDS,
      }),
    },
    { subject: `${fixture.topics.kyc}-value` },
  )
  const records = await Promise.all(
    Array.from({ length: count }, async (_, i) => ({
      key: `user-${i % users}`,
      value: await registry.encode(id, { email: `user${i % users}@example.com`, level: i }),
    })),
  )
  await fixture.produce(fixture.topics.kyc, records)
}

/** The route that issues the KYC program for those records. */
export function kycAvroRoute(topic: string): Record<string, unknown> {
  return {
    name: 'kyc',
    topics: [topic],
    program: KYC_PROGRAM,
    email: 'email',
    credentialSubject: { kycVerified: true, level: 'level' },
  }
}
