import { SchemaType } from '@kafkajs/confluent-schema-registry'
import { describe, expect, it } from 'vitest'
import { createKafkaTestEnv } from '../support/kafka-test-env.js'
import { plainRegistryClient } from '../support/plain-registry-client.js'

/**
 * Output events may be registered and encoded through a Confluent-API registry (DESIGN.md,
 * Events). Here: @kafkajs/confluent-schema-registry against the stack's registry, with the
 * encoded bytes going through the broker as a downstream consumer would read them.
 */
describe('the schema registry', () => {
  it('registers a JSON Schema, encodes a record, and decodes it after a trip through Kafka', async () => {
    const env = createKafkaTestEnv()
    const registry = plainRegistryClient(env.schemaRegistryUrl)
    const topic = await env.createTopic('issued-json')
    const schema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      title: 'CredentialIssued',
      type: 'object',
      properties: { idempotencyKey: { type: 'string' }, vcId: { type: 'string' } },
      required: ['idempotencyKey', 'vcId'],
      additionalProperties: false,
    }

    const { id } = await registry.register(
      { type: SchemaType.JSON, schema: JSON.stringify(schema) },
      { subject: `${topic}-value` },
    )
    // registering again (a relay restart) finds the same schema instead of a new version
    const again = await registry.register(
      { type: SchemaType.JSON, schema: JSON.stringify(schema) },
      { subject: `${topic}-value` },
    )
    expect(again.id).toBe(id)
    expect(await registry.getLatestSchemaId(`${topic}-value`)).toBe(id)

    const event = { idempotencyKey: 'k-1', vcId: 'vc-1' }
    const encoded = await registry.encode(id, event)
    // Confluent wire format: magic byte 0, then the 4-byte schema id
    expect(encoded[0]).toBe(0)
    expect(encoded.readInt32BE(1)).toBe(id)
    await expect(registry.encode(id, { idempotencyKey: 'k-2' })).rejects.toThrow()

    await (await env.producer()).send({ topic, messages: [{ key: 'k-1', value: encoded }] })
    const [record] = await env.consume({ topic, until: (seen) => seen.length >= 1 })
    expect(record?.value).not.toBeNull()
    expect(await registry.decode(record?.value ?? Buffer.alloc(0))).toEqual(event)
  })

  it('registers an Avro schema, encodes a record, and decodes it after a trip through Kafka', async () => {
    const env = createKafkaTestEnv()
    const registry = plainRegistryClient(env.schemaRegistryUrl)
    const topic = await env.createTopic('issued-avro')
    const schema = {
      type: 'record',
      name: 'CredentialFailed',
      namespace: 'moca.relay.test',
      fields: [
        { name: 'idempotencyKey', type: 'string' },
        { name: 'code', type: 'string' },
        { name: 'httpStatus', type: ['null', 'int'], default: null },
      ],
    }

    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject: `${topic}-value` },
    )
    const event = { idempotencyKey: 'k-1', code: 'MOCA_BAD_REQUEST', httpStatus: 400 }
    const encoded = await registry.encode(id, event)
    expect(encoded.readInt32BE(1)).toBe(id)

    await (await env.producer()).send({ topic, messages: [{ key: 'k-1', value: encoded }] })
    const [record] = await env.consume({ topic, until: (seen) => seen.length >= 1 })
    expect(await registry.decode(record?.value ?? Buffer.alloc(0))).toEqual(event)
  })
})
