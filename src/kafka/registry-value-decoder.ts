import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry'
import { InputFormat } from '../domain/domain-event.js'
import { RelayError } from '../errors/relay-error.js'
import { WIRE_HEADER_BYTES } from './confluent-wire-format.js'
import { parseJsonBytes } from './json-value.js'
import { printableText, quoteText } from '../domain/message-text.js'
import {
  isSchemaIdNotFound,
  libraryErrorName,
  registryHttpFailureOf,
  toRegistryError,
} from './schema-registry-errors.js'

export interface RegistryDecodedValue {
  readonly data: unknown
  readonly format: typeof InputFormat.avro | typeof InputFormat.jsonSchema
}

/** A JSON Schema violation list longer than this says nothing more useful to a producer. */
const MAX_REPORTED_VIOLATIONS = 5

type RegistrySchema = Awaited<ReturnType<SchemaRegistry['getSchema']>>

/**
 * Ids whose writer schema the relay cannot read: at most this many verdicts are kept, each a
 * few hundred bytes. Beyond it the oldest is dropped, and its next record asks the registry again.
 */
const MAX_UNREADABLE_SCHEMAS = 1_000

export interface RegistryValueReader {
  decode(value: Buffer, schemaId: number): Promise<RegistryDecodedValue>
}

/**
 * Decodes Confluent wire-format values with their writer schemas. The registry client caches
 * schemas by id, so only the first record of each schema id costs a registry request. It caches
 * no failure, so this reader keeps the verdict on a schema it cannot read (an id names one schema
 * for good): otherwise every record written with it would fetch the schema again, a registry
 * request per record (and Confluent Cloud counts them).
 */
export function createRegistryValueReader(registry: SchemaRegistry): RegistryValueReader {
  const unreadable = new Map<number, string>()
  return {
    async decode(value, schemaId) {
      const known = unreadable.get(schemaId)
      if (known !== undefined) throw unreadableSchema(known)
      try {
        return await decodeRegistryValue(registry, value, schemaId)
      } catch (err) {
        if (err instanceof UnreadableSchemaError) {
          if (unreadable.size >= MAX_UNREADABLE_SCHEMAS) {
            unreadable.delete(unreadable.keys().next().value as number)
          }
          unreadable.set(schemaId, err.message)
        }
        throw err
      }
    },
  }
}

/** INPUT_UNDECODABLE for a schema the registry has and the relay cannot build a reader from. */
class UnreadableSchemaError extends RelayError {}

function unreadableSchema(message: string, cause?: unknown): UnreadableSchemaError {
  return new UnreadableSchemaError('INPUT_UNDECODABLE', message, {
    classification: 'terminal',
    ...(cause === undefined ? {} : { cause }),
  })
}

async function decodeRegistryValue(
  registry: SchemaRegistry,
  value: Buffer,
  schemaId: number,
): Promise<RegistryDecodedValue> {
  const writer = await writerSchemaOf(registry, schemaId)
  if (writer.kind === 'JSON Schema') {
    return {
      data: decodeJsonSchemaPayload(writer.schema, value, schemaId),
      format: InputFormat.jsonSchema,
    }
  }
  const schema = writer.schema
  let data: unknown
  try {
    data = await registry.decode(value)
  } catch (err) {
    throw new RelayError(
      'INPUT_UNDECODABLE',
      `the Avro payload after the 5-byte schema-registry header does not match its writer schema (id ${schemaId}, ${quoteText(schema.name ?? schema.typeName)}): ${printableText(err instanceof Error ? err.message : String(err), 200)}.${isJsonText(value.subarray(WIRE_HEADER_BYTES)) ? ' The payload is JSON text, not Avro binary: the producer put JSON behind an Avro schema id. Use an Avro serializer, or send JSON with a JSON Schema id or as plain JSON.' : ''} Fix the producer's serializer, or check that it registered the schema it writes with.`,
      { classification: 'terminal', cause: err },
    )
  }
  if (hasReplacementCharacter(data) && !reencodesTo(schema, data, value)) {
    throw new RelayError(
      'INPUT_UNDECODABLE',
      `a string of the Avro payload (schema id ${schemaId}) is not valid UTF-8: the relay does not repair it into U+FFFD, which would change an email or a claim. Fix the producer so it writes strings as UTF-8.`,
      { classification: 'terminal' },
    )
  }
  return { data, format: InputFormat.avro }
}

/**
 * What the relay makes of a writer schema, without a record: 'Avro' or 'JSON Schema' when it
 * can read values written with it, else the INPUT_UNDECODABLE (or INPUT_SCHEMA_UNKNOWN) every
 * such value would fail with, or the registry's own failure. `moca-relay check` asks this of the
 * schemas registered for the input topics.
 */
export async function readWriterSchema(
  registry: SchemaRegistry,
  schemaId: number,
): Promise<'Avro' | 'JSON Schema'> {
  return (await writerSchemaOf(registry, schemaId)).kind
}

type WriterSchema =
  | { readonly kind: 'JSON Schema'; readonly schema: RegistrySchema & JsonSchemaInstance }
  | { readonly kind: 'Avro'; readonly schema: RegistrySchema & AvroTypeInstance }

/** The writer schema of an id, if it is one the relay reads values of: Avro or JSON Schema. */
async function writerSchemaOf(registry: SchemaRegistry, schemaId: number): Promise<WriterSchema> {
  const schema = await lookUpSchema(registry, schemaId)
  if (isJsonSchema(schema)) return { kind: 'JSON Schema', schema }
  if (isAvroType(schema)) return { kind: 'Avro', schema }
  throw new RelayError(
    'INPUT_UNDECODABLE',
    `schema id ${schemaId} is not an Avro or JSON Schema schema (Protobuf?); the relay decodes Avro and JSON Schema values. Produce one of those, or plain JSON.`,
    { classification: 'terminal' },
  )
}

/**
 * avsc decodes a string's bytes leniently: invalid UTF-8 comes out as U+FFFD. Only a decoded
 * value holding U+FFFD can hide that, and a producer may have written U+FFFD itself: so such a
 * value is encoded again with its writer schema, and only bytes that differ from the payload's
 * were repaired. Nearly every record holds no U+FFFD and costs one walk of its strings.
 */
function hasReplacementCharacter(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\uFFFD')
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return false
  if (Array.isArray(value)) return value.some(hasReplacementCharacter)
  for (const key in value) {
    if (hasReplacementCharacter((value as Record<string, unknown>)[key])) return true
  }
  return false
}

function reencodesTo(schema: AvroTypeInstance, data: unknown, value: Buffer): boolean {
  try {
    return schema.toBuffer(data).equals(value.subarray(WIRE_HEADER_BYTES))
  } catch {
    return false
  }
}

/** A JSON object or array as text: what a JSON serializer writes where Avro binary belongs. */
function isJsonText(payload: Buffer): boolean {
  const text = payload.toString('utf8').trim()
  if (!text.startsWith('{') && !text.startsWith('[')) return false
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

async function lookUpSchema(registry: SchemaRegistry, schemaId: number): Promise<RegistrySchema> {
  try {
    return await registry.getSchema(schemaId)
  } catch (err) {
    const failure = registryHttpFailureOf(err)
    if (failure !== null && isSchemaIdNotFound(failure, schemaId)) {
      throw new RelayError(
        'INPUT_SCHEMA_UNKNOWN',
        `the record value names schema id ${schemaId} (bytes 1-4 after the magic byte 0x00), which the schema registry does not know. Check that the producer and the relay use the same registry (SCHEMA_REGISTRY_URL), or that the value really is in the Confluent wire format.`,
        { classification: 'terminal', cause: err },
      )
    }
    const name = libraryErrorName(err)
    if (
      name === 'ConfluentSchemaRegistryArgumentError' ||
      name === 'ConfluentSchemaRegistryInvalidSchemaError'
    ) {
      // The registry knows the id, but the client cannot build a reader from what it stores.
      throw unreadableSchema(
        `schema id ${schemaId} exists in the registry but cannot be used to decode: ${printableText((err as Error).message, 300)}. Register a schema the relay can read: Avro, or JSON Schema draft-04, draft-06, draft-07 (the default), 2019-09 or 2020-12 whose every $ref finds a schema it references, by the name its references give it or by its $id.`,
        err,
      )
    }
    throw toRegistryError(err, `fetching schema id ${schemaId}`)
  }
}

interface JsonSchemaInstance {
  isValid(
    payload: object,
    opts: { errorHook: (path: string[], message: unknown, schema?: unknown) => void },
  ): boolean
}

interface AvroTypeInstance {
  readonly typeName: string
  readonly name?: string
  toBuffer(value: unknown): Buffer
}

/** The client returns its JsonSchema wrapper for JSON schemas and an avsc Type for Avro. */
function isJsonSchema(schema: RegistrySchema): schema is RegistrySchema & JsonSchemaInstance {
  return typeof (schema as { validatePayload?: unknown }).validatePayload === 'function'
}

function isAvroType(schema: RegistrySchema): schema is RegistrySchema & AvroTypeInstance {
  return typeof (schema as { typeName?: unknown }).typeName === 'string'
}

/**
 * Decoded here rather than by registry.decode, which repairs invalid UTF-8 with U+FFFD and
 * reports a violation without saying which rule failed: strict UTF-8 and every violated
 * rule matter to the producer who has to fix the record.
 */
function decodeJsonSchemaPayload(
  schema: JsonSchemaInstance,
  value: Buffer,
  schemaId: number,
): unknown {
  const payload = parseJsonBytes(value.subarray(WIRE_HEADER_BYTES), {
    what: `the JSON payload after the 5-byte schema-registry header (schema id ${schemaId})`,
    byteOffset: WIRE_HEADER_BYTES,
  })
  const violations: string[] = []
  // The client's isValid answers true for an invalid payload unless an errorHook is given.
  const valid = schema.isValid(payload as object, {
    errorHook: (path, message) => {
      const at = path.join('') || '(root)'
      violations.push(`${printableText(at, 80)} ${printableText(String(message), 120)}`)
    },
  })
  if (valid) return payload
  const shown = violations.slice(0, MAX_REPORTED_VIOLATIONS).join('; ')
  const more =
    violations.length > MAX_REPORTED_VIOLATIONS
      ? ` (and ${violations.length - MAX_REPORTED_VIOLATIONS} more)`
      : ''
  throw new RelayError(
    'INPUT_INVALID',
    `the JSON payload does not match JSON Schema id ${schemaId}: ${shown}${more}. Fix the producer so its events match the schema it registered.`,
    { classification: 'terminal' },
  )
}
