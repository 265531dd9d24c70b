import { RelayError } from '../errors/relay-error.js'
import type { HeaderValue, InputHeaders } from './input-record.js'
import { decodeUtf8, locateInvalidUtf8 } from './strict-utf8.js'

/**
 * Upper bound for one header value the decoder reads. CloudEvents ids, types, sources and
 * content types are tens of bytes; 8 KiB leaves room for long URIs and subjects while a hostile
 * 100 KB header is refused before it is decoded or copied into an event.
 */
export const MAX_HEADER_VALUE_BYTES = 8 * 1024

/** Header names the decoder knows are short; longer names are skipped without lowercasing. */
const MAX_KNOWN_HEADER_NAME_LENGTH = 64

const CLOUDEVENTS_HEADER_PREFIX = 'ce_'

/** The headers the decoder reads, gathered in one pass over the record's headers. */
export interface KnownHeaders {
  readonly contentType: HeaderValue
  readonly traceparent: HeaderValue
  readonly tracestate: HeaderValue
  /** `ce_*` headers by lowercase name; null when there are none. */
  readonly cloudEvents: Readonly<Record<string, HeaderValue>> | null
}

const NO_KNOWN_HEADERS: KnownHeaders = Object.freeze({
  contentType: undefined,
  traceparent: undefined,
  tracestate: undefined,
  cloudEvents: null,
})

/**
 * One pass over the headers. Names match case-insensitively (HTTP bridges send `Content-Type`);
 * two names that differ only in case are merged into an array, which single-valued readers then
 * reject as a repeated header.
 */
export function scanHeaders(headers: InputHeaders): KnownHeaders {
  let contentType: HeaderValue
  let traceparent: HeaderValue
  let tracestate: HeaderValue
  let cloudEvents: Record<string, HeaderValue> | null = null
  let found = false
  for (const name in headers) {
    if (name.length > MAX_KNOWN_HEADER_NAME_LENGTH) continue
    const lower = name.toLowerCase()
    const value = headers[name]
    if (lower === 'content-type') {
      contentType = merge(contentType, value)
      found = true
    } else if (lower === 'traceparent') {
      traceparent = merge(traceparent, value)
      found = true
    } else if (lower === 'tracestate') {
      tracestate = merge(tracestate, value)
      found = true
    } else if (lower.startsWith(CLOUDEVENTS_HEADER_PREFIX)) {
      cloudEvents ??= Object.create(null) as Record<string, HeaderValue>
      cloudEvents[lower] = merge(cloudEvents[lower], value)
      found = true
    }
  }
  return found ? { contentType, traceparent, tracestate, cloudEvents } : NO_KNOWN_HEADERS
}

function merge(previous: HeaderValue, next: HeaderValue): HeaderValue {
  if (previous === undefined) return next
  if (next === undefined) return previous
  return [previous, next].flat().filter((v): v is Buffer | string => v !== undefined)
}

/**
 * The text of a single-valued header, or null when absent. A repeated, oversized or non-UTF-8
 * header is INPUT_INVALID naming the header: the decoder cannot tell which value the producer
 * meant, and guessing would attach the wrong id or type to an event.
 */
export function readHeaderText(name: string, value: HeaderValue | null): string | null {
  if (value === undefined) return null
  // kafkajs delivers a header sent with a null value as null: present, but empty.
  if (value === null) return ''
  if (Array.isArray(value)) {
    throw new RelayError(
      'INPUT_INVALID',
      `header ${name} appears ${value.length} times (kafkajs delivers a repeated header as an array, and names that differ only in case count as repeats); it is single-valued: send it once.`,
      { classification: 'terminal' },
    )
  }
  const size = typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length
  if (size > MAX_HEADER_VALUE_BYTES) {
    throw new RelayError(
      'INPUT_INVALID',
      `header ${name} is ${size} bytes, over the ${MAX_HEADER_VALUE_BYTES}-byte limit for a header the relay reads; send a short value.`,
      { classification: 'terminal' },
    )
  }
  if (typeof value === 'string') return value
  const text = decodeUtf8(value)
  if (text === undefined) {
    const found = locateInvalidUtf8(value)
    throw new RelayError(
      'INPUT_INVALID',
      `header ${name} is not valid UTF-8${found ? ` at byte ${found.offset}: ${found.reason}` : ''}; header values must be UTF-8 text.`,
      { classification: 'terminal' },
    )
  }
  return text
}

/**
 * The text of a best-effort header such as traceparent: anything malformed is null, never an
 * error, because such a header must not fail the event.
 */
export function readOptionalHeaderText(value: HeaderValue | null): string | null {
  if (value === undefined || value === null || Array.isArray(value)) return null
  if (typeof value === 'string') return value.length <= MAX_HEADER_VALUE_BYTES ? value : null
  if (value.length > MAX_HEADER_VALUE_BYTES) return null
  return decodeUtf8(value) ?? null
}
