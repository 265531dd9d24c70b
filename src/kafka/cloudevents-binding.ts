import { RelayError } from '../errors/relay-error.js'
import { charsetOf, isJsonMediaType, isUtf8Charset, mediaTypeOf } from './content-type.js'
import type { HeaderValue } from './input-record.js'
import { describeJsonType, parseJsonBytes } from './json-value.js'
import { quoteText } from '../domain/message-text.js'
import { readHeaderText, readOptionalHeaderText } from './record-headers.js'

/**
 * CloudEvents 1.0 over Kafka (the Kafka protocol binding and the JSON event format): the names
 * the relay reads on input and writes on output, and the rules for both content modes.
 */

/** The only CloudEvents version the relay reads and writes. */
export const CLOUDEVENTS_SPEC_VERSION = '1.0'

/** Binary-mode attribute headers: `ce_` + attribute name (Kafka protocol binding §3.2.3). */
export const CloudEventsHeader = {
  specversion: 'ce_specversion',
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  time: 'ce_time',
  subject: 'ce_subject',
  dataschema: 'ce_dataschema',
  traceparent: 'ce_traceparent',
  tracestate: 'ce_tracestate',
} as const

export const CONTENT_TYPE_HEADER = 'content-type'
export const TRACEPARENT_HEADER = 'traceparent'
export const TRACESTATE_HEADER = 'tracestate'

/** Structured mode in the JSON event format: the one structured format the relay reads. */
export const CLOUDEVENTS_JSON_MEDIA_TYPE = 'application/cloudevents+json'
/** Any media type with this prefix declares structured (or batch) mode, per the binding §3.1. */
const CLOUDEVENTS_MEDIA_TYPE_PREFIX = 'application/cloudevents'

export interface CloudEventAttributes {
  readonly id: string
  readonly type: string
  readonly source: string
  readonly time: string | null
  readonly subject: string | null
  /** The distributed-tracing extension as sent; the decoder validates it. */
  readonly traceparent: string | null
  readonly tracestate: string | null
}

export interface StructuredCloudEvent {
  readonly attributes: CloudEventAttributes
  readonly data: unknown
}

/** True when a record's content type declares structured mode (JSON or not). */
export function isStructuredMediaType(mediaType: string): boolean {
  return mediaType.startsWith(CLOUDEVENTS_MEDIA_TYPE_PREFIX)
}

/**
 * A JSON object without a structured-mode content type is still read as a structured event when
 * it carries all four required attributes: producers that forget the header are common, and a
 * plain domain event with a `specversion` field next to id, type and source is not.
 */
export function looksLikeStructuredEvent(value: Record<string, unknown>): boolean {
  return (
    value.specversion !== undefined &&
    value.id !== undefined &&
    value.type !== undefined &&
    value.source !== undefined
  )
}

/** Attributes of a binary-mode record, from its `ce_*` headers. */
export function readBinaryAttributes(
  headers: Readonly<Record<string, HeaderValue>>,
): CloudEventAttributes {
  const specversion = readHeaderText(CloudEventsHeader.specversion, headers.ce_specversion)
  if (specversion !== CLOUDEVENTS_SPEC_VERSION) {
    throw invalid(
      `header ce_specversion is ${quoteText(specversion ?? '')}; the relay reads CloudEvents ${CLOUDEVENTS_SPEC_VERSION}: set it to "${CLOUDEVENTS_SPEC_VERSION}".`,
    )
  }
  return {
    id: requiredHeader(CloudEventsHeader.id, headers.ce_id),
    type: requiredHeader(CloudEventsHeader.type, headers.ce_type),
    source: requiredHeader(CloudEventsHeader.source, headers.ce_source),
    time: optionalHeader(CloudEventsHeader.time, headers.ce_time),
    subject: optionalHeader(CloudEventsHeader.subject, headers.ce_subject),
    traceparent: readOptionalHeaderText(headers.ce_traceparent),
    tracestate: readOptionalHeaderText(headers.ce_tracestate),
  }
}

/**
 * The data of a binary-mode record: the value itself, JSON when the content type says JSON or
 * says nothing. An empty value is an event without data (null), which CloudEvents allows.
 */
export function readBinaryData(value: Buffer, contentType: string | null): unknown {
  if (contentType !== null) {
    const mediaType = mediaTypeOf(contentType)
    if (!isJsonMediaType(mediaType))
      throw unsupportedDataContentType('header content-type', contentType)
  }
  if (value.length === 0) return null
  return parseJsonBytes(value, { what: 'the record value (CloudEvents binary-mode data)' })
}

/** Attributes and data of a structured-mode event that was parsed from JSON. */
export function readStructuredEvent(event: Record<string, unknown>): StructuredCloudEvent {
  const specversion = event.specversion
  if (specversion !== CLOUDEVENTS_SPEC_VERSION) {
    throw invalid(
      specversion === undefined
        ? `the structured CloudEvent has no specversion attribute; set "specversion": "${CLOUDEVENTS_SPEC_VERSION}".`
        : `the structured CloudEvent's specversion is ${describeAttribute(specversion)}; the relay reads CloudEvents ${CLOUDEVENTS_SPEC_VERSION}: set "specversion": "${CLOUDEVENTS_SPEC_VERSION}".`,
    )
  }
  const attributes: CloudEventAttributes = {
    id: requiredAttribute(event, 'id'),
    type: requiredAttribute(event, 'type'),
    source: requiredAttribute(event, 'source'),
    time: optionalAttribute(event, 'time'),
    subject: optionalAttribute(event, 'subject'),
    traceparent: typeof event.traceparent === 'string' ? event.traceparent : null,
    tracestate: typeof event.tracestate === 'string' ? event.tracestate : null,
  }
  return { attributes, data: readStructuredData(event) }
}

function readStructuredData(event: Record<string, unknown>): unknown {
  const contentType = optionalAttribute(event, 'datacontenttype')
  if (contentType !== null && !isJsonMediaType(mediaTypeOf(contentType))) {
    throw unsupportedDataContentType('attribute datacontenttype', contentType)
  }
  const hasData = event.data !== undefined
  const base64 = event.data_base64
  if (base64 === undefined) return hasData ? event.data : null
  if (hasData) {
    throw invalid(
      'the structured CloudEvent has both data and data_base64; the JSON event format allows one: send data for JSON.',
    )
  }
  if (typeof base64 !== 'string' || !isStrictBase64(base64)) {
    throw new RelayError(
      'INPUT_UNDECODABLE',
      `the structured CloudEvent's data_base64 is not base64 (${typeof base64 === 'string' ? `${base64.length} characters; RFC 4648 alphabet with = padding expected` : `found ${describeJsonType(base64)}`}); send base64 of the JSON data, or the JSON itself in data.`,
      { classification: 'terminal' },
    )
  }
  if (contentType !== null) refuseNonUtf8Charset('attribute datacontenttype', contentType)
  return parseJsonBytes(Buffer.from(base64, 'base64'), {
    what: "the structured CloudEvent's data_base64 (after base64 decoding)",
  })
}

/** Buffer.from(…, 'base64') silently skips bad characters: check the alphabet first. */
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

function isStrictBase64(text: string): boolean {
  return STRICT_BASE64.test(text)
}

function requiredHeader(name: string, value: HeaderValue): string {
  const text = readHeaderText(name, value)
  if (text === null || text === '') {
    throw invalid(
      `binary-mode CloudEvent ${text === null ? 'has no' : 'has an empty'} ${name} header; it is required and must be non-empty.`,
    )
  }
  return text
}

function optionalHeader(name: string, value: HeaderValue): string | null {
  const text = readHeaderText(name, value)
  if (text === '') throw invalid(`header ${name} is empty; omit it or send a value.`)
  return text
}

function requiredAttribute(event: Record<string, unknown>, name: string): string {
  const value = event[name]
  if (typeof value === 'string' && value !== '') return value
  throw invalid(
    value === undefined
      ? `the structured CloudEvent has no ${name} attribute; it is required and must be a non-empty string.`
      : `the structured CloudEvent's ${name} attribute is ${describeAttribute(value)}; it must be a non-empty string.`,
  )
}

/** Absent and null both mean "not set"; anything else must be a non-empty string. */
function optionalAttribute(event: Record<string, unknown>, name: string): string | null {
  const value = event[name]
  if (value === undefined || value === null) return null
  if (typeof value === 'string' && value !== '') return value
  throw invalid(
    `the structured CloudEvent's ${name} attribute is ${describeAttribute(value)}; it must be a non-empty string when present.`,
  )
}

function describeAttribute(value: unknown): string {
  if (typeof value === 'string') return value === '' ? 'an empty string' : quoteText(value)
  return describeJsonType(value)
}

/**
 * Refuses a content type that declares a charset other than UTF-8: the relay decodes bytes as
 * UTF-8 only, and reading ISO-8859-1 as UTF-8 fails on its first accented letter, or, on ASCII
 * data, passes until it does not. `where` names the header or attribute.
 */
export function refuseNonUtf8Charset(where: string, contentType: string): void {
  const charset = charsetOf(contentType)
  if (charset === null || isUtf8Charset(charset)) return
  throw new RelayError(
    'INPUT_UNDECODABLE',
    `${where} is ${quoteText(contentType)}: it declares charset ${quoteText(charset)}, and the relay decodes UTF-8 only. Fix the producer to send UTF-8 (charset=utf-8, or no charset).`,
    { classification: 'terminal' },
  )
}

function unsupportedDataContentType(where: string, contentType: string): RelayError {
  return new RelayError(
    'INPUT_UNDECODABLE',
    `${where} is ${quoteText(contentType)}: the relay reads JSON event data only (application/json or a +json type). Send JSON data, or use a schema-registry format.`,
    { classification: 'terminal' },
  )
}

function invalid(message: string): RelayError {
  return new RelayError('INPUT_INVALID', message, { classification: 'terminal' })
}
