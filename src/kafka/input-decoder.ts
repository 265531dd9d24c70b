import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry'
import { InputFormat, type DomainEvent } from '../domain/domain-event.js'
import { RelayError } from '../errors/relay-error.js'
import {
  CLOUDEVENTS_JSON_MEDIA_TYPE,
  CONTENT_TYPE_HEADER,
  isStructuredMediaType,
  looksLikeStructuredEvent,
  readBinaryAttributes,
  readBinaryData,
  readStructuredEvent,
  refuseNonUtf8Charset,
  type CloudEventAttributes,
} from './cloudevents-binding.js'
import { readWireSchemaId } from './confluent-wire-format.js'
import { mediaTypeOf } from './content-type.js'
import type { InputRecord } from './input-record.js'
import { describeJsonType, isJsonObject, parseJsonBytes } from './json-value.js'
import { quoteText } from '../domain/message-text.js'
import {
  readHeaderText,
  readOptionalHeaderText,
  scanHeaders,
  type KnownHeaders,
} from './record-headers.js'
import { createRegistryValueReader, type RegistryDecodedValue } from './registry-value-decoder.js'
import { parseTraceContext, type TraceContext } from './tracestate.js'

export interface InputDecoder {
  /**
   * Turns one record into a domain event, or throws a RelayError: a terminal INPUT_* code for a
   * record that can never decode (the message says what, where, and the fix), or a retryable
   * SCHEMA_REGISTRY_UNAVAILABLE when the registry cannot be asked right now.
   */
  decode(record: InputRecord): Promise<DomainEvent>
}

export interface InputDecoderDeps {
  /** Null without SCHEMA_REGISTRY_URL: wire-format values then fail as INPUT_UNDECODABLE. */
  readonly registry: SchemaRegistry | null
  /** Largest record value accepted, in bytes (input.maxRecordBytes). */
  readonly maxRecordBytes: number
}

/**
 * Which format a record is in, decided in this order:
 * 1. no value → tombstone; value over maxRecordBytes → too large;
 * 2. first byte 0x00 → Confluent wire format, decoded with the registry (Avro or JSON Schema);
 *    `ce_*` headers, when present, supply the CloudEvents attributes;
 * 3. `content-type: application/cloudevents…` → CloudEvents structured mode (JSON only);
 * 4. a `ce_specversion` header → CloudEvents binary mode;
 * 5. otherwise JSON: a structured CloudEvent when the object carries specversion, id, type and
 *    source, else a plain JSON event.
 * JSON is strict UTF-8; a leading byte order mark is accepted and dropped (see strict-utf8.ts).
 */
export function createInputDecoder(deps: InputDecoderDeps): InputDecoder {
  const { maxRecordBytes } = deps
  const registry = deps.registry === null ? null : createRegistryValueReader(deps.registry)
  if (!Number.isSafeInteger(maxRecordBytes) || maxRecordBytes <= 0) {
    throw new RangeError(`maxRecordBytes must be a positive integer, got ${maxRecordBytes}`)
  }

  async function decode(record: InputRecord): Promise<DomainEvent> {
    const value = record.value
    if (value === null) throw tombstone()
    if (value.length > maxRecordBytes) throw tooLarge(value.length, maxRecordBytes)
    const headers = scanHeaders(record.headers)
    const trace = parseTraceContext(
      readOptionalHeaderText(headers.traceparent),
      readOptionalHeaderText(headers.tracestate),
    )

    const schemaId = readWireSchemaId(value)
    if (schemaId !== null) {
      if (registry === null) throw noRegistry(schemaId)
      const decoded = await registry.decode(value, schemaId)
      return fromRegistryValue(decoded, headers, trace)
    }

    const contentType = readHeaderText(CONTENT_TYPE_HEADER, headers.contentType)
    // Every path below decodes the value as UTF-8, whatever the header declares.
    if (contentType !== null) refuseNonUtf8Charset(`header ${CONTENT_TYPE_HEADER}`, contentType)
    const mediaType = contentType === null ? null : mediaTypeOf(contentType)
    if (mediaType !== null && isStructuredMediaType(mediaType)) {
      if (mediaType !== CLOUDEVENTS_JSON_MEDIA_TYPE) {
        throw unsupportedStructuredFormat(contentType as string)
      }
      const event = parseJsonBytes(value, { what: 'the record value (structured CloudEvent)' })
      if (!isJsonObject(event)) throw notAnObject(event, 'a structured CloudEvent')
      return fromStructured(event, trace)
    }

    if (headers.cloudEvents !== null && headers.cloudEvents.ce_specversion !== undefined) {
      const attributes = readBinaryAttributes(headers.cloudEvents)
      const data = readBinaryData(value, contentType)
      return fromAttributes(attributes, data, trace, InputFormat.cloudEventsBinary)
    }

    const parsed = parseJsonBytes(value, { what: 'the record value' })
    if (!isJsonObject(parsed)) throw notAnObject(parsed, 'an event')
    if (looksLikeStructuredEvent(parsed)) return fromStructured(parsed, trace)
    return fromPlainObject(parsed, trace, InputFormat.json)
  }

  return { decode }
}

function fromRegistryValue(
  decoded: RegistryDecodedValue,
  headers: KnownHeaders,
  trace: TraceContext,
): DomainEvent {
  if (headers.cloudEvents !== null && headers.cloudEvents.ce_specversion !== undefined) {
    const attributes = readBinaryAttributes(headers.cloudEvents)
    return fromAttributes(attributes, decoded.data, trace, decoded.format)
  }
  if (!isJsonObject(decoded.data)) throw notAnObject(decoded.data, 'an event')
  return fromPlainObject(decoded.data, trace, decoded.format)
}

function fromStructured(event: Record<string, unknown>, trace: TraceContext): DomainEvent {
  const { attributes, data } = readStructuredEvent(event)
  return fromAttributes(attributes, data, trace, InputFormat.cloudEventsStructured)
}

/**
 * The `traceparent` header wins; the CloudEvents extension is the fallback. The tracestate comes
 * from the same place as the traceparent: the two are one context.
 */
function fromAttributes(
  attributes: CloudEventAttributes,
  data: unknown,
  headerTrace: TraceContext,
  format: InputFormat,
): DomainEvent {
  const trace =
    headerTrace.traceparent !== null
      ? headerTrace
      : parseTraceContext(attributes.traceparent, attributes.tracestate)
  return {
    id: attributes.id,
    type: attributes.type,
    source: attributes.source,
    time: attributes.time,
    subject: attributes.subject,
    data,
    traceparent: trace.traceparent,
    tracestate: trace.tracestate,
    format,
  }
}

/** Plain JSON (and registry values without CloudEvents headers): the whole object is the data. */
function fromPlainObject(
  event: Record<string, unknown>,
  trace: TraceContext,
  format: InputFormat,
): DomainEvent {
  return {
    id: stringOr(event.id, event.eventId),
    type: stringOr(event.type, event.eventType),
    source: stringOr(event.source, undefined),
    time: stringOr(event.time, undefined),
    subject: stringOr(event.subject, undefined),
    data: event,
    traceparent: trace.traceparent,
    tracestate: trace.tracestate,
    format,
  }
}

function stringOr(first: unknown, second: unknown): string | null {
  if (typeof first === 'string') return first
  return typeof second === 'string' ? second : null
}

function tombstone(): RelayError {
  return new RelayError(
    'INPUT_UNDECODABLE',
    'the record has no value (tombstone: a null value, usually a delete marker for its key); there is no event to issue from. Do not produce tombstones to an input topic.',
    { classification: 'terminal' },
  )
}

function tooLarge(size: number, limit: number): RelayError {
  return new RelayError(
    'INPUT_TOO_LARGE',
    `the record value is ${size} bytes, over the limit of ${limit} bytes (input.maxRecordBytes). Raise input.maxRecordBytes if such events are legitimate, or make the producer send smaller events.`,
    { classification: 'terminal' },
  )
}

function noRegistry(schemaId: number): RelayError {
  return new RelayError(
    'INPUT_UNDECODABLE',
    `the record value is in the schema-registry wire format (magic byte 0x00, schema id ${schemaId}), but the relay has no schema registry configured: set SCHEMA_REGISTRY_URL to the registry the producer uses, then redrive.`,
    { classification: 'terminal' },
  )
}

function unsupportedStructuredFormat(contentType: string): RelayError {
  return new RelayError(
    'INPUT_UNDECODABLE',
    `header content-type is ${quoteText(contentType)}: the relay reads CloudEvents structured mode only as ${CLOUDEVENTS_JSON_MEDIA_TYPE} (no batches, no other event formats). Send one event per record as ${CLOUDEVENTS_JSON_MEDIA_TYPE}, or use binary mode.`,
    { classification: 'terminal' },
  )
}

function notAnObject(value: unknown, what: string): RelayError {
  return new RelayError(
    'INPUT_INVALID',
    `the record value is ${describeJsonType(value)}, but ${what} must be a JSON object ({...}). Send one event per record as a JSON object.`,
    { classification: 'terminal' },
  )
}
