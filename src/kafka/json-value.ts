import { maskEmailsIn } from '../domain/mask-email.js'
import { RelayError } from '../errors/relay-error.js'
import { locateJsonSyntaxError } from './json-syntax-error.js'
import { hexByte, quoteText } from '../domain/message-text.js'
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
  const near = nearExcerpt(text, located.index)
  return new RelayError(
    'INPUT_UNDECODABLE',
    `${where.what} is not valid JSON ${atByte(byte, where)}: ${located.problem} (near ${quoteText(near, near.length)}). ${FIX_ENCODING}`,
    { classification: 'terminal', cause },
  )
}

/** Characters on either side of a syntax error that a message quotes. */
const NEAR_CHARS = 20
/** How far an excerpt widens to take in a whole email it would otherwise cut (RFC 5321: 254). */
const MAX_TOKEN_CHARS = 256

/** A character an email address (as maskEmailsIn finds them) can hold, `@` included. */
function isEmailChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x40 && c <= 0x5a) || // @ A-Z
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2e ||
    c === 0x5f ||
    c === 0x25 ||
    c === 0x2b ||
    c === 0x2d
  )
}

/**
 * The text around a syntax error, emails masked. A cut through a run of email characters holding
 * an `@` would quote half an address (`john.smith@exam`) that masking no longer recognises, so
 * such a run is taken whole, or left out when it is too long to be an address.
 */
function nearExcerpt(text: string, index: number): string {
  const from = Math.max(0, index - NEAR_CHARS)
  const to = Math.min(text.length, index + NEAR_CHARS)
  return maskEmailsIn(text.slice(edge(text, from, from, to, -1), edge(text, to, from, to, 1)))
}

/** Where the excerpt [from, to) should start (`side` -1) or end (`side` 1) instead of `cut`. */
function edge(text: string, cut: number, from: number, to: number, side: -1 | 1): number {
  if (cut <= 0 || cut >= text.length) return cut
  if (!isEmailChar(text.charCodeAt(cut - 1)) || !isEmailChar(text.charCodeAt(cut))) return cut
  let start = cut
  while (start > 0 && cut - start < MAX_TOKEN_CHARS && isEmailChar(text.charCodeAt(start - 1))) {
    start--
  }
  let end = cut
  while (end < text.length && end - cut < MAX_TOKEN_CHARS && isEmailChar(text.charCodeAt(end))) {
    end++
  }
  if (!text.slice(start, end).includes('@')) return cut
  const whole =
    (start === 0 || !isEmailChar(text.charCodeAt(start - 1))) &&
    (end === text.length || !isEmailChar(text.charCodeAt(end)))
  if (whole) return side < 0 ? start : end
  // Too long to be an address: leave out the part of the run inside the excerpt.
  return side < 0 ? Math.min(end, to) : Math.max(start, from)
}
