import { RelayError } from '../errors/relay-error.js'
import { locateJsonSyntaxError } from './json-syntax-error.js'
import { hexByte, quoteText } from './message-text.js'
import { bomLength, decodeUtf8, locateInvalidUtf8 } from './strict-utf8.js'

/** Where some JSON bytes sit, so a message can point the producer at the right byte. */
export interface JsonBytesLocation {
  /** What the bytes are, e.g. "the record value", "data_base64 (decoded)". */
  readonly what: string
  /**
   * Where the bytes start in the record value, e.g. 5 after a schema-registry header. When it is
   * not 0, offsets are reported as bytes "of the record value": the producer's kcat dump shows
   * the whole value, and "the payload … at byte 24" of a 19-byte payload would point nowhere.
   * @default 0
   */
  readonly byteOffset?: number
}

/**
 * Strict UTF-8 decode plus JSON.parse: exactly one decode and one parse on the success path.
 * Failures are INPUT_UNDECODABLE with the byte offset and the fix.
 */
export function parseJsonBytes(bytes: Uint8Array, where: JsonBytesLocation): unknown {
  const text = decodeUtf8(bytes)
  if (text === undefined) throw invalidUtf8(bytes, where)
  try {
    return JSON.parse(text)
  } catch (err) {
    throw invalidJson(bytes, text, where, err)
  }
}

/** A plain object: what routes map from. Arrays and null are not. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** "an array", "a string", "null"…: how messages name the JSON type that was found. */
export function describeJsonType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'string') return 'a string'
  if (typeof value === 'number') return 'a number'
  if (typeof value === 'boolean') return 'a boolean'
  return typeof value
}

const FIX_ENCODING = 'Fix the producer to send UTF-8 encoded JSON.'

/** "at byte 9", or "at byte 24 of the record value" when the bytes sit after a header. */
function atByte(offset: number, where: JsonBytesLocation): string {
  const base = where.byteOffset ?? 0
  return `at byte ${base + offset}${base === 0 ? '' : ' of the record value'}`
}

function invalidUtf8(bytes: Uint8Array, where: JsonBytesLocation): RelayError {
  const found = locateInvalidUtf8(bytes)
  const detail = found
    ? `${atByte(found.offset, where)}: ${found.reason}`
    : '(the decoder rejected it without a locatable byte)'
  return new RelayError(
    'INPUT_UNDECODABLE',
    `${where.what} is not valid UTF-8 ${detail}. ${FIX_ENCODING}`,
    { classification: 'terminal' },
  )
}

function invalidJson(
  bytes: Uint8Array,
  text: string,
  where: JsonBytesLocation,
  cause: unknown,
): RelayError {
  const first = bytes[0]
  if (bytes.length === 0) {
    return new RelayError(
      'INPUT_UNDECODABLE',
      `${where.what} is empty (0 bytes): expected a JSON object. ${FIX_ENCODING}`,
      { classification: 'terminal', cause },
    )
  }
  // A binary payload usually starts with a control byte: say so instead of "unexpected token".
  if (first !== undefined && first < 0x20 && first !== 0x09 && first !== 0x0a && first !== 0x0d) {
    return new RelayError(
      'INPUT_UNDECODABLE',
      `${where.what} starts with byte ${hexByte(first)}: it is binary, not JSON text (schema-registry values start with the magic byte 0x00 followed by a 4-byte schema id). ${FIX_ENCODING}`,
      { classification: 'terminal', cause },
    )
  }
  if (text.trim() === '') {
    return new RelayError(
      'INPUT_UNDECODABLE',
      `${where.what} holds no JSON value (${bytes.length} bytes of whitespace or a byte order mark): expected a JSON object. ${FIX_ENCODING}`,
      { classification: 'terminal', cause },
    )
  }
  const located = locateJsonSyntaxError(text)
  if (located === null) {
    // JSON.parse refused text the grammar accepts: only resource limits (nesting) get here.
    return new RelayError(
      'INPUT_UNDECODABLE',
      `${where.what} could not be parsed as JSON (${cause instanceof Error ? quoteText(cause.message) : 'unknown reason'}). ${FIX_ENCODING}`,
      { classification: 'terminal', cause },
    )
  }
  const byte = bomLength(bytes) + Buffer.byteLength(text.slice(0, located.index), 'utf8')
  const near = text.slice(Math.max(0, located.index - 20), located.index + 20)
  return new RelayError(
    'INPUT_UNDECODABLE',
    `${where.what} is not valid JSON ${atByte(byte, where)}: ${located.problem} (near ${quoteText(near, 40)}). ${FIX_ENCODING}`,
    { classification: 'terminal', cause },
  )
}
