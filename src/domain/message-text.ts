/**
 * Error messages end up in `credential.failed` events, logs and terminals. Input bytes are
 * hostile, so anything taken from a record is quoted through these helpers: the result is
 * printable ASCII only, bounded in length, and cannot carry control characters or raw binary.
 */

import { maskEmailsIn } from './mask-email.js'

/** Long enough to recognise a value, short enough that a 100 KB header cannot flood a message. */
const DEFAULT_QUOTE_CHARS = 60

/**
 * `"text"` with emails masked and everything outside printable ASCII escaped, cut to `maxChars`
 * characters. Masked first: an escaped address (`bo@ex\u00e4mple.com`) or half of one left by the
 * cut is no longer recognisable as one by the masking that messages get later.
 */
export function quoteText(text: string, maxChars: number = DEFAULT_QUOTE_CHARS): string {
  const masked = maskEmailsIn(text)
  const cut = masked.length > maxChars
  const inner = escapeText(cut ? masked.slice(0, maxChars) : masked)
  return cut ? `"${inner}"... (${text.length} characters)` : `"${inner}"`
}

/** Like quoteText without the quotes: for text that reads as part of the sentence. */
export function printableText(text: string, maxChars: number = DEFAULT_QUOTE_CHARS): string {
  const masked = maskEmailsIn(text)
  return masked.length > maxChars
    ? `${escapeText(masked.slice(0, maxChars))}...`
    : escapeText(masked)
}

function escapeText(text: string): string {
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22) out += '\\"'
    else if (c === 0x5c) out += '\\\\'
    else if (c >= 0x20 && c < 0x7f) out += text[i]
    else if (c === 0x0a) out += '\\n'
    else if (c === 0x0d) out += '\\r'
    else if (c === 0x09) out += '\\t'
    else out += '\\u' + c.toString(16).padStart(4, '0')
  }
  return out
}

/** `0xC0`: how messages name a byte. */
export function hexByte(byte: number): string {
  return '0x' + byte.toString(16).toUpperCase().padStart(2, '0')
}

/** `0xED 0xA0 0x80`: up to `max` bytes from `offset`, for messages about invalid sequences. */
export function hexBytes(bytes: Uint8Array, offset: number, max: number): string {
  const end = Math.min(bytes.length, offset + max)
  const parts: string[] = []
  for (let i = offset; i < end; i++) parts.push(hexByte(bytes[i] as number))
  return parts.join(' ')
}
