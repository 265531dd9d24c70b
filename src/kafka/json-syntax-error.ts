import { quoteText } from '../domain/message-text.js'

export interface JsonSyntaxError {
  /** Index in the text (UTF-16 code units) of the first character that cannot be JSON. */
  readonly index: number
  readonly problem: string
}

/**
 * Finds where and why a text is not JSON (RFC 8259). V8's JSON.parse messages do not always
 * carry a position and quote raw input, so the decoder re-scans here, on the error path only,
 * to tell the producer exactly which byte to fix. Iterative, so deep nesting cannot overflow
 * the stack. Returns null when the text is valid JSON.
 */
export function locateJsonSyntaxError(text: string): JsonSyntaxError | null {
  const n = text.length
  const stack: number[] = [] // open containers: OPEN_OBJECT or OPEN_ARRAY
  let i = skipWhitespace(text, 0)
  if (i >= n) return { index: i, problem: 'there is no JSON value (empty or only whitespace)' }

  let expectValue = true
  for (;;) {
    if (expectValue) {
      if (i >= n) return truncated(n)
      const c = text.charCodeAt(i)
      if (c === OPEN_OBJECT) {
        i = skipWhitespace(text, i + 1)
        if (text.charCodeAt(i) === CLOSE_OBJECT) {
          i++
          expectValue = false
          continue
        }
        stack.push(OPEN_OBJECT)
        const afterKey = scanPropertyName(text, i)
        if (typeof afterKey !== 'number') return afterKey
        i = afterKey
        continue
      }
      if (c === OPEN_ARRAY) {
        i = skipWhitespace(text, i + 1)
        if (text.charCodeAt(i) === CLOSE_ARRAY) {
          i++
          expectValue = false
          continue
        }
        stack.push(OPEN_ARRAY)
        continue
      }
      const end = scanScalar(text, i)
      if (typeof end !== 'number') return end
      i = end
      expectValue = false
      continue
    }

    i = skipWhitespace(text, i)
    const top = stack[stack.length - 1]
    if (top === undefined) {
      if (i < n) {
        return {
          index: i,
          problem: `unexpected ${describeAt(text, i)} after the end of the JSON value (trailing data)`,
        }
      }
      return null
    }
    if (i >= n) return truncated(n)
    const c = text.charCodeAt(i)
    if (c === COMMA) {
      i = skipWhitespace(text, i + 1)
      if (top === OPEN_OBJECT) {
        const afterKey = scanPropertyName(text, i)
        if (typeof afterKey !== 'number') return afterKey
        i = afterKey
      }
      expectValue = true
      continue
    }
    const close = top === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY
    if (c === close) {
      stack.pop()
      i++
      continue
    }
    const wanted = top === OPEN_OBJECT ? "',' or '}' after a property value" : "',' or ']'"
    return { index: i, problem: `expected ${wanted}, found ${describeAt(text, i)}` }
  }
}

const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const COMMA = 0x2c
const QUOTE = 0x22

function skipWhitespace(text: string, from: number): number {
  let i = from
  for (;;) {
    const c = text.charCodeAt(i)
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++
    else return i
  }
}

function truncated(index: number): JsonSyntaxError {
  return { index, problem: 'unexpected end of input (the JSON text is truncated)' }
}

function describeAt(text: string, index: number): string {
  if (index >= text.length) return 'end of input'
  const code = text.codePointAt(index) as number
  return quoteText(String.fromCodePoint(code))
}

/** `"name" :` with whitespace; returns the index after the colon and its whitespace. */
function scanPropertyName(text: string, from: number): number | JsonSyntaxError {
  if (from >= text.length) return truncated(from)
  if (text.charCodeAt(from) !== QUOTE) {
    return {
      index: from,
      problem: `expected a property name in double quotes, found ${describeAt(text, from)}`,
    }
  }
  const end = scanString(text, from)
  if (typeof end !== 'number') return end
  const colon = skipWhitespace(text, end)
  if (colon >= text.length) return truncated(colon)
  if (text.charCodeAt(colon) !== 0x3a) {
    return {
      index: colon,
      problem: `expected ':' after a property name, found ${describeAt(text, colon)}`,
    }
  }
  return skipWhitespace(text, colon + 1)
}

const LITERALS = ['true', 'false', 'null'] as const

/** A string, number or literal at `from`; returns the index after it. */
function scanScalar(text: string, from: number): number | JsonSyntaxError {
  const c = text.charCodeAt(from)
  if (c === QUOTE) return scanString(text, from)
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return scanNumber(text, from)
  for (const literal of LITERALS) {
    if (text.startsWith(literal, from)) return from + literal.length
  }
  const word = /^[A-Za-z_$][\w$]*/.exec(text.slice(from, from + 20))?.[0]
  const hint =
    word === 'NaN' || word === 'Infinity'
      ? ` (${word} is not a JSON number)`
      : word === 'undefined'
        ? ' (undefined is not a JSON value; use null)'
        : c === 0x27
          ? ' (JSON strings use double quotes)'
          : ''
  return { index: from, problem: `expected a JSON value, found ${describeAt(text, from)}${hint}` }
}

function scanString(text: string, from: number): number | JsonSyntaxError {
  let i = from + 1
  for (;;) {
    if (i >= text.length) {
      return { index: i, problem: 'unexpected end of input inside a string (unterminated string)' }
    }
    const c = text.charCodeAt(i)
    if (c === QUOTE) return i + 1
    if (c < 0x20) {
      return {
        index: i,
        problem: `control character U+${c.toString(16).toUpperCase().padStart(4, '0')} must be escaped inside a string`,
      }
    }
    if (c === 0x5c) {
      const e = text[i + 1]
      if (e === undefined) return { index: i + 1, problem: 'unexpected end of input in an escape' }
      if (e === 'u') {
        if (!/^[0-9A-Fa-f]{4}$/.test(text.slice(i + 2, i + 6))) {
          return { index: i, problem: 'invalid \\u escape: expected 4 hex digits' }
        }
        i += 6
        continue
      }
      if (!'"\\/bfnrt'.includes(e)) {
        return { index: i, problem: `invalid escape \\${quoteText(e).slice(1, -1)} in a string` }
      }
      i += 2
      continue
    }
    i++
  }
}

function scanNumber(text: string, from: number): number | JsonSyntaxError {
  let i = from
  if (text.charCodeAt(i) === 0x2d) i++
  const first = text.charCodeAt(i)
  if (!isDigit(first)) {
    const hint = text.startsWith('Infinity', i) ? ' (-Infinity is not a JSON number)' : ''
    return {
      index: i,
      problem: `invalid number: expected a digit, found ${describeAt(text, i)}${hint}`,
    }
  }
  i++
  if (first === 0x30 && isDigit(text.charCodeAt(i))) {
    return { index: i - 1, problem: 'invalid number: leading zeros are not allowed' }
  }
  while (isDigit(text.charCodeAt(i))) i++
  if (text.charCodeAt(i) === 0x2e) {
    i++
    if (!isDigit(text.charCodeAt(i))) {
      return {
        index: i,
        problem: `invalid number: expected a digit after '.', found ${describeAt(text, i)}`,
      }
    }
    while (isDigit(text.charCodeAt(i))) i++
  }
  const e = text.charCodeAt(i)
  if (e === 0x65 || e === 0x45) {
    i++
    const sign = text.charCodeAt(i)
    if (sign === 0x2b || sign === 0x2d) i++
    if (!isDigit(text.charCodeAt(i))) {
      return {
        index: i,
        problem: `invalid number: expected a digit in the exponent, found ${describeAt(text, i)}`,
      }
    }
    while (isDigit(text.charCodeAt(i))) i++
  }
  return i
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}
