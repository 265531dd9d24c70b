import net from 'node:net'
import { SchemaType } from '@kafkajs/confluent-schema-registry'
import { afterAll, describe, expect, it, inject } from 'vitest'
import { OutputEventType } from '../../src/domain/output-events.js'
import { RelayError } from '../../src/errors/relay-error.js'
import { createInputDecoder } from '../../src/kafka/input-decoder.js'
import type { InputRecord } from '../../src/kafka/input-record.js'
import { createOutputEncoder } from '../../src/kafka/output-encoder.js'
import type { OutputFormat } from '../../src/kafka/output-format.js'
import { createSchemaRegistry } from '../../src/kafka/schema-registry-client.js'
import { toCommand } from '../../src/domain/map-event.js'
import { CORPUS_AVRO_SCHEMA, CORPUS_JSON_SCHEMA } from '../fixtures/bad-input-corpus.js'
import { allOutputEventSamples, outputEventSamples } from '../fixtures/output-event-samples.js'
import {
  deleteSubjects,
  getSubjectCompatibility,
  registerSchemaText,
  setSubjectCompatibility,
  uniqueName,
} from '../support/registry-subjects.js'
import { kycRoute } from '../support/kyc-route.js'
import { avroLong } from '../support/avro-long-bytes.js'
import { plainRegistryClient } from '../support/plain-registry-client.js'

// The integration globalSetup always provides a real registry (env, containers or local stack).
const registryUrl: string = inject('schemaRegistryUrl')
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
/** Where mapped records sit: topic "t", the kyc route's topic. */
const mappedAt = { topic: 't', partition: 0, offset: '1', key: null }

/** A value in the Confluent wire format: magic byte 0, the schema id, then the payload. */
function wire(schemaId: number, payload: string): Buffer {
  const header = Buffer.alloc(5)
  header.writeInt32BE(schemaId, 1)
  return Buffer.concat([header, Buffer.from(payload)])
}

function record(value: Buffer, headers: InputRecord['headers'] = {}): InputRecord {
  return { topic: 'in', partition: 0, offset: '1', key: null, value, headers, timestamp: '0' }
}

async function decodeError(promise: Promise<unknown>): Promise<RelayError> {
  const err = await promise.then(
    (value) => new Error(`expected an error, got ${JSON.stringify(value)}`),
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(RelayError)
  return err as RelayError
}

/** A port with nothing listening: bound once by us, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

describe('codecs against the real schema registry', () => {
  const url = registryUrl
  const subjects: string[] = []
  afterAll(() => deleteSubjects(url, subjects))

  /** The producer side: a plain client, as an upstream service would use. */
  const producer = plainRegistryClient(url)

  async function register(type: SchemaType.AVRO | SchemaType.JSON, schema: object) {
    const subject = uniqueName('codecs-input-value')
    subjects.push(subject)
    return (await producer.register({ type, schema: JSON.stringify(schema) }, { subject })).id
  }

  /** The relay side: its own client, so every lookup really goes to the registry. */
  function relayDecoder() {
    return createInputDecoder({ registry: createSchemaRegistry({ url }), maxRecordBytes: 65_536 })
  }

  describe('input', () => {
    it('decodes an Avro value registered and encoded by the library', async () => {
      const id = await register(SchemaType.AVRO, CORPUS_AVRO_SCHEMA)
      const value = await producer.encode(id, {
        eventId: 'evt-avro',
        email: 'jane@example.com',
        level: 2,
      })
      const event = await relayDecoder().decode(record(value, { traceparent: TRACEPARENT }))
      expect(event).toMatchObject({
        id: 'evt-avro',
        type: null,
        format: 'avro',
        traceparent: TRACEPARENT,
      })
      expect({ ...(event.data as object) }).toEqual({
        eventId: 'evt-avro',
        email: 'jane@example.com',
        level: 2,
      })
    })

    it('takes CloudEvents attributes from ce_* headers on an Avro value', async () => {
      const id = await register(SchemaType.AVRO, CORPUS_AVRO_SCHEMA)
      const value = await producer.encode(id, { eventId: 'e', email: 'a@b.c', level: null })
      const event = await relayDecoder().decode(
        record(value, {
          ce_specversion: '1.0',
          ce_id: 'ce-1',
          ce_type: 'kyc.completed',
          ce_source: '/kyc',
          'content-type': 'application/avro',
        }),
      )
      expect(event).toMatchObject({ id: 'ce-1', type: 'kyc.completed', format: 'avro' })
    })

    it('decodes a JSON Schema value and reports every violated rule of a bad one', async () => {
      const id = await register(SchemaType.JSON, CORPUS_JSON_SCHEMA)
      const value = await producer.encode(id, { eventId: 'evt-json', email: 'jane@example.com' })
      const decoder = relayDecoder()
      await expect(decoder.decode(record(value))).resolves.toMatchObject({
        id: 'evt-json',
        format: 'json-schema',
        data: { eventId: 'evt-json', email: 'jane@example.com' },
      })

      // The library refuses to encode an invalid payload, so frame one by hand.
      const bad = Buffer.concat([value.subarray(0, 5), Buffer.from('{"email":42,"level":-1}')])
      const err = await decodeError(decoder.decode(record(bad)))
      expect(err.code).toBe('INPUT_INVALID')
      expect(err.message).toContain(`JSON Schema id ${id}`)
      expect(err.message).toContain('/email')
      expect(err.message).toContain('/level')
      expect(err.message).toContain('eventId')
    })

    it('regression: an Avro long beyond 2^53 is read as JSON reads such a number, not failed as a payload that does not match its schema', async () => {
      // The failure: avsc refuses to decode a long outside ±(2^53 - 1) ("potential precision
      // loss"), so a record holding one (a Java producer's 64-bit id) failed whole as
      // INPUT_UNDECODABLE, "does not match its writer schema… Fix the producer's serializer", even
      // when no route reads that field; the same number in JSON decodes, and only a claim
      // holding it fails, naming the field.
      const id = await register(SchemaType.AVRO, {
        type: 'record',
        name: 'Account',
        namespace: 'moca.relay.test',
        fields: [
          { name: 'email', type: 'string' },
          { name: 'acct', type: 'long' },
          { name: 'level', type: 'long' },
        ],
      })
      // The library refuses to encode such a long, so the Avro binary is written by hand.
      const email = Buffer.from('jane@example.com')
      const header = Buffer.from([0, 0, 0, 0, 0])
      header.writeInt32BE(id, 1)
      const value = Buffer.concat([
        header,
        avroLong(BigInt(email.length)),
        email,
        avroLong(2n ** 60n + 1n),
        avroLong(3n),
      ])
      const event = await relayDecoder().decode(record(value))
      expect({ ...(event.data as object) }).toEqual({
        email: 'jane@example.com',
        acct: 2 ** 60,
        level: 3,
      })
      expect(await toCommand(event, mappedAt, [kycRoute()])).toMatchObject({ kind: 'command' })
      const claimed = await toCommand(event, mappedAt, [
        kycRoute({ credentialSubject: { acct: 'acct' } }),
      ])
      expect(claimed).toMatchObject({ kind: 'failed', error: { code: 'INPUT_INVALID' } })
      expect(claimed.kind === 'failed' && claimed.error.message).toContain('credentialSubject.acct')
    })

    it('regression: a JSON Schema with standard formats or annotation keywords decodes its records', async () => {
      // The failure: ajv compiled writer schemas in strict mode without format definitions, so a
      // schema using draft-07's own "format": "email" or "date-time", or an annotation keyword
      // such as Kafka Connect's "connect.index" (JSON Schema says to ignore unknown keywords),
      // could not be compiled, and every record written with it failed as INPUT_UNDECODABLE.
      // A Java producer's serializer accepts such a schema; this client only with strict off.
      const javaLike = plainRegistryClient(url, {
        schemaOptions: { [SchemaType.JSON]: { strict: false, logger: false } },
      })
      const subject = uniqueName('codecs-input-value')
      subjects.push(subject)
      const schema = {
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        properties: {
          email: { type: 'string', format: 'email', 'connect.index': 0 },
          at: { type: 'string', format: 'date-time', 'x-pii': false },
          level: { type: 'integer', minimum: 0 },
        },
        required: ['email'],
      }
      const { id } = await javaLike.register(
        { type: SchemaType.JSON, schema: JSON.stringify(schema) },
        { subject },
      )
      const decoder = relayDecoder()
      const payload = { email: 'jane@example.com', at: '2026-11-27T10:00:00Z', level: 2 }
      await expect(
        decoder.decode(record(await javaLike.encode(id, payload))),
      ).resolves.toMatchObject({ format: 'json-schema', data: payload })
      // The rules that are not annotations still hold.
      const header = Buffer.from([0, 0, 0, 0, 0])
      header.writeInt32BE(id, 1)
      const bad = Buffer.concat([header, Buffer.from('{"level":-1}')])
      const err = await decodeError(decoder.decode(record(bad)))
      expect(err.code).toBe('INPUT_INVALID')
      expect(err.message).toContain('/level')
      expect(err.message).toContain('email')
    })

    it('regression: a JSON Schema of draft 2020-12 decodes its records, its references found by $id', async () => {
      // The failure: the registry client compiled every JSON writer schema as draft-07 (its own
      // ajv 7), so a schema declaring 2020-12, as json-schema.org's examples and Confluent's
      // serializers with json.schema.spec.version=draft_2020_12 do, could not be compiled, and
      // every record written with it failed as INPUT_UNDECODABLE.
      const addressSubject = uniqueName('codecs-address-value')
      const subject = uniqueName('codecs-input-value')
      subjects.push(subject, addressSubject)
      const addressId = 'https://example.com/schemas/address.json'
      await registerSchemaText(url, addressSubject, {
        schemaType: 'JSON',
        schema: {
          $schema: 'https://json-schema.org/draft/2020-12/schema',
          $id: addressId,
          type: 'object',
          required: ['city'],
          properties: { city: { type: 'string' } },
        },
      })
      const id = await registerSchemaText(url, subject, {
        schemaType: 'JSON',
        schema: {
          $schema: 'https://json-schema.org/draft/2020-12/schema',
          type: 'object',
          required: ['email'],
          properties: {
            email: { $ref: '#/$defs/email' },
            home: { $ref: addressId },
            scores: { type: 'array', prefixItems: [{ type: 'integer' }] },
          },
          $defs: { email: { type: 'string', format: 'email' } },
        },
        references: [{ name: addressId, subject: addressSubject, version: 1 }],
      })
      const decoder = relayDecoder()
      const payload = { email: 'jane@example.com', home: { city: 'Oslo' }, scores: [3] }
      await expect(
        decoder.decode(record(wire(id, JSON.stringify(payload)))),
      ).resolves.toMatchObject({ format: 'json-schema', data: payload })
      const err = await decodeError(
        decoder.decode(record(wire(id, JSON.stringify({ email: 7, home: {}, scores: ['x'] })))),
      )
      expect(err).toMatchObject({ code: 'INPUT_INVALID', classification: 'terminal' })
      expect(err.message).toContain(
        "/email must be string; /home must have required property 'city'; /scores/0 must be integer",
      )
    })

    it('regression: a JSON Schema reference is found by the name the references give it, as Confluent does', async () => {
      // The failure: the relay found a referenced schema only through its $id, so a schema
      // registered as Confluent documents references ($ref "address.json", a reference named
      // "address.json" to a schema with another $id or none) failed every record as
      // INPUT_UNDECODABLE. Here a reference has a named reference of its own, which the writer
      // also names: the client fetches it once.
      const countrySubject = uniqueName('codecs-country-value')
      const addressSubject = uniqueName('codecs-address-value')
      const subject = uniqueName('codecs-input-value')
      subjects.push(subject, addressSubject, countrySubject)
      await registerSchemaText(url, countrySubject, {
        schemaType: 'JSON',
        schema: {
          $schema: 'http://json-schema.org/draft-07/schema#',
          type: 'string',
          minLength: 2,
          maxLength: 2,
        },
      })
      const country = { name: 'country.json', subject: countrySubject, version: 1 }
      await registerSchemaText(url, addressSubject, {
        schemaType: 'JSON',
        schema: {
          $schema: 'http://json-schema.org/draft-07/schema#',
          $id: 'http://example.com/schemas/shared/address.schema.json',
          type: 'object',
          required: ['city'],
          properties: { city: { type: 'string' }, country: { $ref: 'country.json' } },
        },
        references: [country],
      })
      const id = await registerSchemaText(url, subject, {
        schemaType: 'JSON',
        schema: {
          $schema: 'http://json-schema.org/draft-07/schema#',
          $id: 'http://example.com/schemas/member.schema.json',
          type: 'object',
          required: ['email'],
          properties: {
            email: { type: 'string' },
            home: { $ref: 'address.json' },
            nationality: { $ref: 'country.json' },
          },
        },
        references: [{ name: 'address.json', subject: addressSubject, version: 1 }, country],
      })
      const decoder = relayDecoder()
      const payload = {
        email: 'jane@example.com',
        home: { city: 'Oslo', country: 'NO' },
        nationality: 'NO',
      }
      await expect(
        decoder.decode(record(wire(id, JSON.stringify(payload)))),
      ).resolves.toMatchObject({ format: 'json-schema', data: payload })
      const bad = { email: 'jane@example.com', home: { country: 'Norway' }, nationality: 'N' }
      const err = await decodeError(decoder.decode(record(wire(id, JSON.stringify(bad)))))
      expect(err).toMatchObject({ code: 'INPUT_INVALID', classification: 'terminal' })
      expect(err.message).toContain("/home must have required property 'city'")
      expect(err.message).toContain('/home/country must NOT have more than 2 characters')
      expect(err.message).toContain('/nationality must NOT have fewer than 2 characters')
    })

    it('says why a JSON Schema cannot be read, and that the relay reads the later drafts', async () => {
      const draft03 = uniqueName('codecs-input-value')
      const dangling = uniqueName('codecs-input-value')
      subjects.push(draft03, dangling)
      const draft03Id = await registerSchemaText(url, draft03, {
        schemaType: 'JSON',
        schema: {
          $schema: 'http://json-schema.org/draft-03/schema#',
          properties: { email: { type: 'string' } },
        },
      })
      const danglingId = await registerSchemaText(url, dangling, {
        schemaType: 'JSON',
        schema: { properties: { home: { $ref: 'address.json' } } },
      })
      const decoder = relayDecoder()
      const payload = JSON.stringify({ email: 'jane@example.com' })
      const fix =
        'Register a schema the relay can read: Avro, or JSON Schema draft-04, draft-06, draft-07 (the default), 2019-09 or 2020-12 whose every $ref finds a schema it references, by the name its references give it or by its $id.'
      const old = await decodeError(decoder.decode(record(wire(draft03Id, payload))))
      expect(old).toMatchObject({ code: 'INPUT_UNDECODABLE', classification: 'terminal' })
      expect(old.message).toBe(
        `schema id ${draft03Id} exists in the registry but cannot be used to decode: its $schema is http://json-schema.org/draft-03/schema#, a JSON Schema draft the relay does not read. ${fix}`,
      )
      const unresolved = await decodeError(decoder.decode(record(wire(danglingId, payload))))
      expect(unresolved).toMatchObject({ code: 'INPUT_UNDECODABLE', classification: 'terminal' })
      expect(unresolved.message).toBe(
        `schema id ${danglingId} exists in the registry but cannot be used to decode: its $ref address.json finds no schema (a $ref finds a schema the writer schema references by the name its references give it, or by the $id inside it). ${fix}`,
      )
    })

    it('regression: an Avro bytes or fixed value mapped into a claim fails the event, naming the field', async () => {
      // The failure: avsc decodes bytes and fixed as Buffers, and a route mapping one into
      // credentialSubject issued the claim {"type":"Buffer","data":[…]} (Node's JSON for a
      // Buffer), a value the producer never sent.
      const id = await register(SchemaType.AVRO, {
        type: 'record',
        name: 'Document',
        namespace: 'moca.relay.test',
        fields: [
          { name: 'email', type: 'string' },
          { name: 'digest', type: 'bytes' },
          { name: 'uuid', type: { type: 'fixed', name: 'Uuid', size: 4 } },
          { name: 'level', type: 'int' },
        ],
      })
      const value = await producer.encode(id, {
        email: 'jane@example.com',
        digest: Buffer.from([1, 2, 3]),
        uuid: Buffer.from([4, 5, 6, 7]),
        level: 2,
      })
      const event = await relayDecoder().decode(record(value))
      // A route that does not read them is not concerned.
      expect(await toCommand(event, mappedAt, [kycRoute()])).toMatchObject({ kind: 'command' })
      for (const field of ['digest', 'uuid']) {
        const claimed = await toCommand(event, mappedAt, [
          kycRoute({ credentialSubject: { proof: { [field]: field } } }),
        ])
        expect(claimed).toMatchObject({ kind: 'failed', error: { code: 'INPUT_INVALID' } })
        expect(claimed.kind === 'failed' && claimed.error.message).toContain(
          `credentialSubject.proof.${field} is binary`,
        )
      }
    })

    it('regression: an Avro decimal reads as its exact text, and maps into a claim', async () => {
      // The failure: avsc read a decimal's bytes as a Buffer, so a route mapping an amount written
      // by a Java producer (BigDecimal) into a claim failed the event ("is binary").
      const id = await register(SchemaType.AVRO, {
        type: 'record',
        name: 'Payment',
        namespace: 'moca.relay.test',
        fields: [
          { name: 'email', type: 'string' },
          {
            name: 'amount',
            type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 },
          },
        ],
      })
      // 123450 unscaled: what BigDecimal("1234.50").unscaledValue().toByteArray() gives.
      const value = await producer.encode(id, {
        email: 'jane@example.com',
        amount: Buffer.from([0x01, 0xe2, 0x3a]),
      })
      const event = await relayDecoder().decode(record(value))
      expect(event.data).toEqual({ email: 'jane@example.com', amount: '1234.50' })
      const mapped = await toCommand(event, mappedAt, [
        kycRoute({ credentialSubject: { amount: 'amount' } }),
      ])
      expect(mapped).toMatchObject({
        kind: 'command',
        command: { credentialSubject: { amount: '1234.50' } },
      })
    })

    it('says INPUT_SCHEMA_UNKNOWN for an id the registry does not have', async () => {
      const value = Buffer.from([0, 0x7f, 0xff, 0xf0, 0x00, 0x02, 0x61])
      const err = await decodeError(relayDecoder().decode(record(value)))
      expect(err).toMatchObject({ code: 'INPUT_SCHEMA_UNKNOWN', classification: 'terminal' })
      expect(err.message).toContain(`schema id ${0x7ffff000}`)
    })
  })

  describe('output', () => {
    async function encoderFor(format: OutputFormat) {
      const topics = new Map(
        Object.values(OutputEventType).map((type) => [type, uniqueName(`codecs-${type}`)]),
      )
      subjects.push(...[...topics.values()].map((topic) => `${topic}-value`))
      const topicFor = (type: OutputEventType) => topics.get(type) as string
      const encoder = await createOutputEncoder({
        format,
        source: '/moca-relay/it',
        registry: createSchemaRegistry({ url }),
        topicFor,
      })
      return { encoder, topicFor }
    }

    it.each([
      ['avro', 'application/avro'],
      ['json-schema', 'application/vnd.confluent.json-schema'],
    ] as const)(
      'registers the %s schemas and encodes values any registry client can decode',
      async (format, contentType) => {
        const { encoder } = await encoderFor(format)
        const consumer = plainRegistryClient(url)
        for (const event of allOutputEventSamples) {
          const encoded = await encoder.encode(event, {
            key: Buffer.from('k'),
            traceparent: TRACEPARENT,
            tracestate: null,
          })
          expect(encoded.value[0]).toBe(0)
          expect(encoded.headers).toMatchObject({
            'content-type': contentType,
            ce_type: event.type,
            ce_id: event.id,
            traceparent: TRACEPARENT,
          })
          const decoded: unknown = await consumer.decode(encoded.value)
          expect(JSON.parse(JSON.stringify(decoded))).toEqual(event)
          await expect(
            relayDecoder().decode(record(encoded.value, encoded.headers)),
          ).resolves.toMatchObject({ id: event.id, type: event.type, format })
        }
      },
    )

    it('reuses the registered ids when created again (a restart)', async () => {
      const { topicFor } = await encoderFor('avro')
      const again = await createOutputEncoder({
        format: 'avro',
        source: '/moca-relay/it',
        registry: createSchemaRegistry({ url }),
        topicFor,
      })
      const first = plainRegistryClient(url)
      for (const event of outputEventSamples) {
        const encoded = await again.encode(event, {
          key: null,
          traceparent: null,
          tracestate: null,
        })
        const latest = await first.getLatestSchemaId(`${topicFor(event.type)}-value`)
        expect(encoded.value.readInt32BE(1)).toBe(latest)
      }
    })

    it('registers under a compatibility rule an operator already set on the subject', async () => {
      // infra-notes section 3: with a rule already on the subject, the client would refuse
      // ("BACKWARD != NONE") instead of registering.
      const topic = uniqueName('codecs-preset')
      const subject = `${topic}-value`
      subjects.push(subject)
      await setSubjectCompatibility(url, subject, 'NONE')
      const others = new Map(
        [OutputEventType.onchain, OutputEventType.failed].map((t) => [
          t,
          uniqueName(`codecs-${t}`),
        ]),
      )
      subjects.push(...[...others.values()].map((t) => `${t}-value`))
      const encoder = await createOutputEncoder({
        format: 'json-schema',
        source: '/moca-relay/it',
        registry: createSchemaRegistry({ url }),
        topicFor: (type) =>
          type === OutputEventType.issued ? topic : (others.get(type) as string),
      })
      const encoded = await encoder.encode(outputEventSamples[0]!, {
        key: null,
        traceparent: null,
        tracestate: null,
      })
      expect(encoded.value[0]).toBe(0)
      expect(await getSubjectCompatibility(url, subject)).toBe('NONE')
    })

    it('refuses to put three event types on one topic with a registry format', async () => {
      const topic = uniqueName('codecs-shared')
      const err = await decodeError(
        createOutputEncoder({
          format: 'avro',
          source: '/moca-relay/it',
          registry: createSchemaRegistry({ url }),
          topicFor: () => topic,
        }),
      )
      expect(err.code).toBe('CONFIG_INVALID')
    })
  })
})

describe('codecs when the schema registry is down', () => {
  const wireValue = Buffer.from([0, 0, 0, 0, 1, 0x02, 0x61])

  it('decoding a wire-format value is a retryable SCHEMA_REGISTRY_UNAVAILABLE (closed port)', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/apis/ccompat/v7`
    const decoder = createInputDecoder({
      registry: createSchemaRegistry({ url }),
      maxRecordBytes: 1024,
    })
    const err = await decodeError(decoder.decode(record(wireValue)))
    expect(err).toMatchObject({ code: 'SCHEMA_REGISTRY_UNAVAILABLE', classification: 'retryable' })
    expect(err.message).toContain('ECONNREFUSED')
    expect(err.cause).toBeDefined()
  })

  it('a registry that accepts connections but never answers times out as retryable', async () => {
    const sockets = new Set<net.Socket>()
    const server = net.createServer((socket) => sockets.add(socket))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as net.AddressInfo
    try {
      const registry = createSchemaRegistry({ url: `http://127.0.0.1:${port}`, timeoutMs: 200 })
      const decoder = createInputDecoder({ registry, maxRecordBytes: 1024 })
      const err = await decodeError(decoder.decode(record(wireValue)))
      expect(err).toMatchObject({
        code: 'SCHEMA_REGISTRY_UNAVAILABLE',
        classification: 'retryable',
      })
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })

  it('creating a registry-format encoder fails as retryable, naming the subject', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`
    const err = await decodeError(
      createOutputEncoder({
        format: 'avro',
        source: '/moca-relay/it',
        registry: createSchemaRegistry({ url }),
        topicFor: (type) => `down-${type}`,
      }),
    )
    expect(err).toMatchObject({ code: 'SCHEMA_REGISTRY_UNAVAILABLE', classification: 'retryable' })
    expect(err.message).toContain('down-credential.issued-value')
  })

  it('a registry URL without the API path is retryable, not INPUT_SCHEMA_UNKNOWN', async () => {
    // Such a URL answers 404 for every id; read as "unknown schema id", a misconfiguration
    // would turn every registry-encoded record into a terminal credential.failed.
    const origin = new URL(registryUrl).origin
    const decoder = createInputDecoder({
      registry: createSchemaRegistry({ url: `${origin}/not-the-api` }),
      maxRecordBytes: 1024,
    })
    const err = await decodeError(decoder.decode(record(wireValue)))
    expect(err).toMatchObject({
      code: 'SCHEMA_REGISTRY_UNAVAILABLE',
      classification: 'retryable',
    })
    expect(err.message).toContain('/apis/ccompat/v7')
  })

  it('regression: a URL of another API that answers 404 with a JSON message is retryable, not INPUT_SCHEMA_UNKNOWN', async () => {
    // The failure: Apicurio's own v2 API (the URL its serdes docs give) answers 404 with
    // {"message": "RESTEASY003210: Could not find resource…", "error_code": 404}, as gateways answer
    // {"message": "Not Found"}. Any 404 whose body had a message was read as "the registry does not
    // know this schema id", so a wrong SCHEMA_REGISTRY_URL failed every registry-encoded record
    // for good, as INPUT_SCHEMA_UNKNOWN.
    const origin = new URL(registryUrl).origin
    const decoder = createInputDecoder({
      registry: createSchemaRegistry({ url: `${origin}/apis/registry/v2` }),
      maxRecordBytes: 1024,
    })
    const err = await decodeError(decoder.decode(record(wireValue)))
    expect(err).toMatchObject({
      code: 'SCHEMA_REGISTRY_UNAVAILABLE',
      classification: 'retryable',
    })
    expect(err.message).toContain('/apis/ccompat/v7')
  })
})
