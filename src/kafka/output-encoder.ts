import { COMPATIBILITY, SchemaType, type SchemaRegistry } from '@kafkajs/confluent-schema-registry'
import type { OutputEvent, OutputEventType } from '../domain/output-events.js'
import { RelayError } from '../errors/relay-error.js'
import {
  CLOUDEVENTS_SPEC_VERSION,
  CloudEventsHeader,
  CONTENT_TYPE_HEADER,
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
} from './cloudevents-binding.js'
import { printableText } from '../domain/message-text.js'
import { OUTPUT_CONTENT_TYPES, OutputFormat } from './output-format.js'
import {
  dataSchemaUri,
  OUTPUT_EVENT_TYPES,
  readOutputSchema,
  schemaLanguageOf,
  type SchemaLanguage,
} from './output-schemas.js'
import {
  libraryErrorName,
  registryHttpFailureOf,
  toRegistryError,
} from './schema-registry-errors.js'
import { parseTraceContext } from './tracestate.js'

export interface EncodedRecord {
  readonly key: Buffer | null
  readonly value: Buffer
  readonly headers: Record<string, string>
}

export interface EncodeContext {
  /** The input record's key, so downstream partitioning matches upstream. */
  readonly key: Buffer | null
  /** The input's traceparent, passed on when it is a valid W3C value. */
  readonly traceparent: string | null
  /** The input's tracestate, passed on when it is valid and the traceparent is. */
  readonly tracestate: string | null
}

export interface OutputEncoder {
  /** key = the input record's key (downstream partitioning matches upstream). */
  encode(event: OutputEvent, context: EncodeContext): Promise<EncodedRecord>
}

export interface OutputEncoderDeps {
  /** `json`, or a registry format (`avro`, `json-schema`), which needs `registry`. */
  readonly format: OutputFormat
  /** CloudEvents `source` of every output event, e.g. "/moca-relay/<groupId>". */
  readonly source: string
  readonly registry: SchemaRegistry | null
  /** The output topic of each event type; registry formats register `<topic>-value`. */
  readonly topicFor: (type: OutputEventType) => string
}

/**
 * Subject compatibility for subjects the relay creates, per schema language. The output schemas
 * only ever gain optional fields (schemas/README.md). In Avro a field with a default passes every
 * level, and BACKWARD is the client's default. The JSON Schemas keep an open content model
 * (consumers ignore properties they do not know), and there a registry under BACKWARD refuses any
 * added property ("property schemas narrowed"): only FORWARD, old consumers reading new events,
 * is the promise those schemas keep.
 */
const OUTPUT_SUBJECT_COMPATIBILITY = {
  avro: COMPATIBILITY.BACKWARD,
  'json-schema': COMPATIBILITY.FORWARD,
} as const satisfies Record<SchemaLanguage, COMPATIBILITY>

/**
 * Writes output events as CloudEvents binary-mode records. With a registry format the schemas
 * are registered once here, so a registry problem stops the relay at start-up rather than at
 * the first event.
 */
export async function createOutputEncoder(deps: OutputEncoderDeps): Promise<OutputEncoder> {
  const { format, source, registry } = deps
  if (source.trim() === '') throw configInvalid('the CloudEvents source of output events is empty')
  const contentType = OUTPUT_CONTENT_TYPES[format]
  const dataSchemas = new Map(OUTPUT_EVENT_TYPES.map((t) => [t, dataSchemaUri(t, format)]))

  function headersFor(event: OutputEvent, context: EncodeContext): Record<string, string> {
    const headers: Record<string, string> = {
      [CloudEventsHeader.specversion]: CLOUDEVENTS_SPEC_VERSION,
      [CloudEventsHeader.id]: event.id,
      [CloudEventsHeader.type]: event.type,
      [CloudEventsHeader.source]: source,
      [CloudEventsHeader.time]: event.time,
      [CloudEventsHeader.dataschema]: dataSchemas.get(event.type) as string,
      [CONTENT_TYPE_HEADER]: contentType,
    }
    if (event.idempotencyKey !== null) headers[CloudEventsHeader.subject] = event.idempotencyKey
    const trace = parseTraceContext(context.traceparent, context.tracestate)
    if (trace.traceparent !== null) headers[TRACEPARENT_HEADER] = trace.traceparent
    if (trace.tracestate !== null) headers[TRACESTATE_HEADER] = trace.tracestate
    return headers
  }

  if (format === OutputFormat.json) {
    return {
      async encode(event, context) {
        return {
          key: context.key,
          value: Buffer.from(JSON.stringify(event), 'utf8'),
          headers: headersFor(event, context),
        }
      },
    }
  }

  if (registry === null) {
    throw configInvalid(
      `output format "${format}" needs a schema registry: set SCHEMA_REGISTRY_URL, or use the json format`,
    )
  }
  const schemaIds = await registerOutputSchemas(registry, format, deps.topicFor)
  return {
    async encode(event, context) {
      const schemaId = schemaIds.get(event.type) as number
      let value: Buffer
      try {
        value = await registry.encode(schemaId, event)
      } catch (err) {
        throw encodeFailure(err, event.type, schemaId)
      }
      return { key: context.key, value, headers: headersFor(event, context) }
    },
  }
}

/**
 * Registers each event type's schema under `<topic>-value` (TopicNameStrategy). Registering an
 * identical schema again returns the existing id, so restarts are idempotent.
 */
async function registerOutputSchemas(
  registry: SchemaRegistry,
  format: OutputFormat,
  topicFor: (type: OutputEventType) => string,
): Promise<Map<OutputEventType, number>> {
  const subjects = new Map(OUTPUT_EVENT_TYPES.map((t) => [t, `${topicFor(t)}-value`]))
  const distinct = new Set(subjects.values())
  if (distinct.size !== subjects.size) {
    throw configInvalid(
      `with output format "${format}" each event type needs its own topic (subjects by topic name cannot hold three record types), but two share one: ${[...subjects].map(([t, s]) => `${t} -> ${s}`).join(', ')}`,
    )
  }
  const language = schemaLanguageOf(format)
  const ids = new Map<OutputEventType, number>()
  for (const [type, subject] of subjects) {
    const schema = {
      type: language === 'avro' ? SchemaType.AVRO : SchemaType.JSON,
      schema: await readOutputSchema(type, language),
    } as const
    ids.set(
      type,
      await registerSchema(registry, schema, subject, OUTPUT_SUBJECT_COMPATIBILITY[language]),
    )
  }
  return ids
}

type RegistrableSchema = {
  readonly type: SchemaType.AVRO | SchemaType.JSON
  readonly schema: string
}

/**
 * The client first reads the subject's compatibility and refuses to register when it differs
 * from the level it is given. Apicurio answers a subject that exists without its own rule with
 * the global level (infra-notes §3), and an operator may have chosen another level on purpose:
 * in both cases the relay registers under the level the registry already enforces, read from
 * the client's error message (the only place it reports it).
 */
async function registerSchema(
  registry: SchemaRegistry,
  schema: RegistrableSchema,
  subject: string,
  compatibility: COMPATIBILITY,
): Promise<number> {
  try {
    return (await registry.register(schema, { subject, compatibility })).id
  } catch (err) {
    const enforced = enforcedCompatibility(err)
    if (enforced === null) throw registrationFailure(err, subject)
    try {
      return (await registry.register(schema, { subject, compatibility: enforced })).id
    } catch (retryErr) {
      throw registrationFailure(retryErr, subject)
    }
  }
}

/** "Compatibility does not match the configuration (BACKWARD != NONE)" → NONE. */
function enforcedCompatibility(err: unknown): COMPATIBILITY | null {
  if (libraryErrorName(err) !== 'ConfluentSchemaRegistryCompatibilityError') return null
  const level = /\(\w+ != (\w+)\)/.exec((err as Error).message)?.[1]
  const known = Object.values(COMPATIBILITY) as string[]
  return level !== undefined && known.includes(level) ? (level as COMPATIBILITY) : null
}

function registrationFailure(err: unknown, subject: string): RelayError {
  const failure = registryHttpFailureOf(err)
  // 409: incompatible with the subject's versions; 422: the registry finds the schema invalid.
  if (failure !== null && (failure.status === 409 || failure.status === 422)) {
    return new RelayError(
      'SCHEMA_REGISTRY_REJECTED',
      `the schema registry rejected the output schema for subject ${subject} (${failure.status}): ${printableText(failure.message, 300)}. The subject holds versions this schema cannot evolve from, or its compatibility rule forbids the change; see schemas/README.md.`,
      { classification: 'systemic', cause: err },
    )
  }
  return toRegistryError(err, `registering the output schema for subject ${subject}`)
}

function encodeFailure(err: unknown, type: OutputEventType, schemaId: number): RelayError {
  if (libraryErrorName(err) === 'ConfluentSchemaRegistryValidationError') {
    const paths = (err as { paths?: unknown }).paths
    return new RelayError(
      'OUTPUT_ENCODING_FAILED',
      `a ${type} event does not fit its registered schema (id ${schemaId}) at ${printableText(JSON.stringify(paths ?? []), 200)}: ${printableText((err as Error).message, 200)}`,
      { classification: 'systemic', cause: err },
    )
  }
  return toRegistryError(err, `encoding a ${type} event with schema id ${schemaId}`)
}

function configInvalid(message: string): RelayError {
  return new RelayError('CONFIG_INVALID', message, { classification: 'systemic' })
}
