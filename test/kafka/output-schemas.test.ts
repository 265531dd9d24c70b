import path from 'node:path'
import { SchemaType } from '@kafkajs/confluent-schema-registry'
// The registry client's own schema factory: the exact ajv (7, draft-07, strict) and avsc
// setup that validates and encodes these schemas at run time. Pinned at 3.9.0 in package.json.
import { schemaFromConfluentSchema } from '@kafkajs/confluent-schema-registry/dist/schemaTypeResolver.js'
import { describe, expect, it } from 'vitest'
import { OutputEventType, type OutputEvent } from '../../src/domain/output-events.js'
import {
  dataSchemaUri,
  OUTPUT_EVENT_TYPES,
  readOutputSchema,
  schemaFileName,
  schemasDirectory,
} from '../../src/kafka/output-schemas.js'
import {
  allOutputEventSamples,
  failedSample,
  outputEventSamples,
} from '../fixtures/output-event-samples.js'

interface JsonSchemaNode {
  $id?: string
  description?: string
  type?: string | string[]
  required?: string[]
  properties?: Record<string, JsonSchemaNode>
}

interface AvroField {
  name: string
  doc?: string
  type: unknown
}

async function jsonSchemaOf(type: OutputEventType): Promise<JsonSchemaNode> {
  return JSON.parse(await readOutputSchema(type, 'json-schema')) as JsonSchemaNode
}

async function avroSchemaOf(type: OutputEventType): Promise<{ doc?: string; fields: AvroField[] }> {
  return JSON.parse(await readOutputSchema(type, 'avro')) as { doc?: string; fields: AvroField[] }
}

function sampleOf(type: OutputEventType): OutputEvent {
  const sample = outputEventSamples.find((event) => event.type === type)
  if (!sample) throw new Error(`no sample for ${type}`)
  return sample
}

/** Keys of a sample and of its nested objects, as "a", "source.topic"…, sorted. */
function keyPaths(value: object, prefix = ''): string[] {
  return Object.entries(value)
    .flatMap(([key, child]) =>
      typeof child === 'object' && child !== null && !Array.isArray(child)
        ? [prefix + key, ...keyPaths(child as object, `${prefix}${key}.`)]
        : [prefix + key],
    )
    .sort()
}

function jsonSchemaPaths(node: JsonSchemaNode, prefix = ''): string[] {
  return Object.entries(node.properties ?? {})
    .flatMap(([key, child]) => [
      prefix + key,
      ...(child.properties ? jsonSchemaPaths(child, `${prefix}${key}.`) : []),
    ])
    .sort()
}

function avroRecordOf(type: unknown): { fields: AvroField[] } | null {
  const branches = Array.isArray(type) ? type : [type]
  for (const branch of branches) {
    if (typeof branch === 'object' && branch !== null && 'fields' in branch) {
      return branch as { fields: AvroField[] }
    }
  }
  return null
}

function avroPaths(fields: AvroField[], prefix = ''): string[] {
  return fields
    .flatMap((field) => {
      const nested = avroRecordOf(field.type)
      return [
        prefix + field.name,
        ...(nested ? avroPaths(nested.fields, `${prefix}${field.name}.`) : []),
      ]
    })
    .sort()
}

function undocumentedJsonSchemaPaths(node: JsonSchemaNode, prefix = ''): string[] {
  return Object.entries(node.properties ?? {}).flatMap(([key, child]) => [
    ...(child.description ? [] : [prefix + key]),
    ...undocumentedJsonSchemaPaths(child, `${prefix}${key}.`),
  ])
}

function undocumentedAvroPaths(fields: AvroField[], prefix = ''): string[] {
  return fields.flatMap((field) => {
    const nested = avroRecordOf(field.type)
    return [
      ...(field.doc ? [] : [prefix + field.name]),
      ...(nested ? undocumentedAvroPaths(nested.fields, `${prefix}${field.name}.`) : []),
    ]
  })
}

function jsonSchemaValidator(text: string) {
  const schema = schemaFromConfluentSchema({ type: SchemaType.JSON, schema: text })
  return (payload: unknown): string[] => {
    const errors: string[] = []
    schema.isValid(payload as object, {
      errorHook: (p, message) => errors.push(`${p.join('')} ${String(message)}`),
    })
    return errors
  }
}

describe('output event schemas (schemas/)', () => {
  it('finds the schemas directory from the source tree', async () => {
    expect(await schemasDirectory()).toBe(path.resolve('schemas'))
  })

  describe.each(OUTPUT_EVENT_TYPES.map((type) => [type] as const))('%s', (type) => {
    it('has exactly the fields of the TypeScript type, nested records included', async () => {
      const sampleKeys = keyPaths(sampleOf(type))
      const jsonSchema = await jsonSchemaOf(type)
      expect(jsonSchemaPaths(jsonSchema)).toEqual(sampleKeys)
      expect([...(jsonSchema.required ?? [])].sort()).toEqual(Object.keys(sampleOf(type)).sort())
      expect(avroPaths((await avroSchemaOf(type)).fields)).toEqual(sampleKeys)
    })

    it('documents every field', async () => {
      const jsonSchema = await jsonSchemaOf(type)
      const avro = await avroSchemaOf(type)
      expect(jsonSchema.description).toBeTruthy()
      expect(avro.doc).toBeTruthy()
      expect(undocumentedJsonSchemaPaths(jsonSchema)).toEqual([])
      expect(undocumentedAvroPaths(avro.fields)).toEqual([])
    })

    it('names itself with the ce_dataschema URI', async () => {
      expect((await jsonSchemaOf(type)).$id).toBe(dataSchemaUri(type, 'json'))
      expect(dataSchemaUri(type, 'avro')).toBe(
        `urn:moca-relay:schema:${schemaFileName(type, 'avro')}`,
      )
    })
  })

  it.each(allOutputEventSamples.map((event) => [`${event.type} ${event.id}`, event] as const))(
    "validates %s against the JSON Schema with the registry client's ajv",
    async (_label, event) => {
      const validate = jsonSchemaValidator(await readOutputSchema(event.type, 'json-schema'))
      expect(validate(event)).toEqual([])
    },
  )

  it.each(allOutputEventSamples.map((event) => [`${event.type} ${event.id}`, event] as const))(
    'round-trips %s through Avro unchanged',
    async (_label, event) => {
      const avro = schemaFromConfluentSchema({
        type: SchemaType.AVRO,
        schema: await readOutputSchema(event.type, 'avro'),
      })
      const decoded: unknown = avro.fromBuffer(avro.toBuffer(event))
      // Through JSON: avsc returns record class instances, the contract is their fields.
      expect(JSON.parse(JSON.stringify(decoded))).toEqual(event)
    },
  )

  it('rejects an event that breaks the JSON Schema, so the validation above can fail', async () => {
    const validate = jsonSchemaValidator(
      await readOutputSchema(OutputEventType.failed, 'json-schema'),
    )
    const { failure: _failure, ...withoutFailure } = failedSample
    expect(validate(withoutFailure)).not.toEqual([])
    expect(validate({ ...failedSample, stage: 'mapping' })).not.toEqual([])
    expect(validate({ ...failedSample, type: 'credential.issued' })).not.toEqual([])
  })
})
