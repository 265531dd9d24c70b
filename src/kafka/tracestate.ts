/**
 * W3C Trace Context `tracestate` (https://www.w3.org/TR/trace-context/#tracestate-header): vendor
 * key=value list members, comma-separated, beside a traceparent. The relay passes it on unchanged
 * when it is valid, and only with a valid traceparent (the spec: no traceparent, no tracestate).
 * Anything else is dropped (null) instead of failing the event, as traceparent is.
 *
 * Checked by one scan of character codes, no regular expression: it runs per record, on header
 * text any producer controls, and the relay is CPU-bound.
 */

import { parseTraceparent } from './traceparent.js'

/** The spec's limit: a list with more members is discarded whole. */
const MAX_TRACESTATE_MEMBERS = 32
/**
 * The length the spec asks vendors to propagate at least. A longer value is dropped, not
 * truncated: cutting members is for the vendor that owns them, and a bound keeps the scan short.
 */
export const MAX_TRACESTATE_LENGTH = 512
/** simple-key: lcalpha then up to 255 key characters. */
const MAX_SIMPLE_KEY = 256
/** multi-tenant-key: tenant-id (up to 241) "@" system-id (up to 14). */
const MAX_TENANT_ID = 241
const MAX_SYSTEM_ID = 14
/** value: up to 255 chr then one nblk-chr. */
const MAX_VALUE = 256

/** The two W3C Trace Context values a record carries on, each null when absent or invalid. */
export interface TraceContext {
  readonly traceparent: string | null
  /** Never without a traceparent. */
  readonly tracestate: string | null
}

/**
 * Both values checked; a tracestate is kept only beside a valid traceparent: the spec has a
 * vendor that could not parse the traceparent leave the tracestate unparsed too.
 */
export function parseTraceContext(
  traceparent: string | null | undefined,
  tracestate: string | null | undefined,
): TraceContext {
  const parent = parseTraceparent(traceparent)
  return { traceparent: parent, tracestate: parent === null ? null : parseTracestate(tracestate) }
}

const SPACE = 0x20
const TAB = 0x09
const COMMA = 0x2c
const EQUALS = 0x3d
const AT = 0x40

/** The tracestate to pass on, or null: absent, empty, too long, or not a valid list. */
export function parseTracestate(value: string | null | undefined): string | null {
  if (typeof value !== 'string' || value.length > MAX_TRACESTATE_LENGTH) return null
  const keys: string[] = []
  let start = 0
  while (start <= value.length) {
    let end = value.indexOf(',', start)
    if (end === -1) end = value.length
    let from = start
    let to = end
    while (from < to && isOws(value.charCodeAt(from))) from++
    while (to > from && isOws(value.charCodeAt(to - 1))) to--
    // Empty members (",," or only blanks) are allowed by the spec and count for nothing.
    if (from < to) {
      if (keys.length === MAX_TRACESTATE_MEMBERS) return null
      const equals = value.indexOf('=', from)
      if (equals === -1 || equals >= to) return null
      if (!isKey(value, from, equals) || !isValue(value, equals + 1, to)) return null
      const key = value.slice(from, equals)
      // A key appears once: a list with two values for one vendor says nothing reliable.
      if (keys.includes(key)) return null
      keys.push(key)
    }
    start = end + 1
  }
  return keys.length === 0 ? null : value
}

function isOws(code: number): boolean {
  return code === SPACE || code === TAB
}

function isLcAlpha(code: number): boolean {
  return code >= 0x61 && code <= 0x7a
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39
}

/** lcalpha / DIGIT / "_" / "-" / "*" / "/" */
function isKeyChar(code: number): boolean {
  return (
    isLcAlpha(code) ||
    isDigit(code) ||
    code === 0x5f ||
    code === 0x2d ||
    code === 0x2a ||
    code === 0x2f
  )
}

/** simple-key, or multi-tenant-key (tenant-id "@" system-id), over `text[from, to)`. */
function isKey(text: string, from: number, to: number): boolean {
  let at = -1
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i)
    if (code === AT) {
      if (at !== -1) return false
      at = i
    } else if (!isKeyChar(code)) return false
  }
  const first = text.charCodeAt(from)
  if (at === -1) return to - from <= MAX_SIMPLE_KEY && isLcAlpha(first)
  return (
    at > from &&
    at - from <= MAX_TENANT_ID &&
    (isLcAlpha(first) || isDigit(first)) &&
    to - at - 1 >= 1 &&
    to - at - 1 <= MAX_SYSTEM_ID &&
    isLcAlpha(text.charCodeAt(at + 1))
  )
}

/** 0*255(chr) nblk-chr: printable ASCII but "," and "=", spaces inside only, over `text[from, to)`. */
function isValue(text: string, from: number, to: number): boolean {
  if (to <= from || to - from > MAX_VALUE) return false
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i)
    if (code < SPACE || code > 0x7e || code === COMMA || code === EQUALS) return false
  }
  // The member was trimmed of blanks, so its last character is not a space: nblk-chr holds.
  return true
}
