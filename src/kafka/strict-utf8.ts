import { hexByte, hexBytes } from '../domain/message-text.js'

/**
 * Strict UTF-8: a record that is not well-formed UTF-8 is rejected, never "repaired" with U+FFFD,
 * because a replaced character inside an email or a claim would issue a credential for data the
 * producer never sent.
 *
 * A leading byte order mark is accepted and dropped (`ignoreBOM: false`, the default): RFC 8259
 * §8.1 lets parsers ignore it, some Windows producers add it, and it cannot change the meaning.
 */
const decoder = new TextDecoder('utf-8', { fatal: true })

const BOM = [0xef, 0xbb, 0xbf] as const

/** The decoded text, or `undefined` when the bytes are not well-formed UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes)
  } catch {
    // TextDecoder says only "invalid"; locateInvalidUtf8 finds where, on this slow path alone.
    return undefined
  }
}

/**
 * Like decodeUtf8, but a leading byte order mark stays in the text: for identifiers (record
 * keys), where `\uFEFFu` and `u` are two different keys.
 */
export function decodeUtf8KeepingBom(bytes: Uint8Array): string | undefined {
  try {
    return bomKeepingDecoder.decode(bytes)
  } catch {
    return undefined
  }
}

const bomKeepingDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Bytes a decoded text starts after: 3 when a BOM was dropped, else 0. */
export function bomLength(bytes: Uint8Array): number {
  return bytes[0] === BOM[0] && bytes[1] === BOM[1] && bytes[2] === BOM[2] ? 3 : 0
}

export interface Utf8Error {
  /** Byte offset of the first byte of the ill-formed sequence. */
  readonly offset: number
  readonly reason: string
}

/**
 * Finds the first ill-formed sequence, following the table of well-formed byte sequences in
 * The Unicode Standard §3.9 (Table 3-7). Only called after decodeUtf8 failed.
 */
export function locateInvalidUtf8(bytes: Uint8Array): Utf8Error | null {
  let i = 0
  while (i < bytes.length) {
    const b0 = bytes[i] as number
    if (b0 < 0x80) {
      i++
      continue
    }
    if (b0 >= 0x80 && b0 <= 0xbf) {
      return { offset: i, reason: `${hexByte(b0)} is a continuation byte with no lead byte` }
    }
    if (b0 === 0xc0 || b0 === 0xc1) {
      return {
        offset: i,
        reason: `${hexByte(b0)} starts an overlong encoding (${hexBytes(bytes, i, 2)})`,
      }
    }
    if (b0 >= 0xf5) {
      return { offset: i, reason: `${hexByte(b0)} never appears in UTF-8` }
    }
    const length = b0 < 0xe0 ? 2 : b0 < 0xf0 ? 3 : 4
    // The second byte's range depends on the lead byte: it excludes overlong forms (E0, F0),
    // UTF-16 surrogates (ED) and code points above U+10FFFF (F4).
    let lo = 0x80
    let hi = 0xbf
    if (b0 === 0xe0) lo = 0xa0
    else if (b0 === 0xed) hi = 0x9f
    else if (b0 === 0xf0) lo = 0x90
    else if (b0 === 0xf4) hi = 0x8f
    for (let k = 1; k < length; k++) {
      const at = i + k
      if (at >= bytes.length) {
        const shown = hexBytes(bytes, i, k)
        return { offset: i, reason: `sequence ${shown} is truncated by the end of the data` }
      }
      const b = bytes[at] as number
      const min = k === 1 ? lo : 0x80
      const max = k === 1 ? hi : 0xbf
      if (b < min || b > max) {
        return { offset: i, reason: describeBadByte(b0, b, k, hexBytes(bytes, i, k + 1)) }
      }
    }
    i += length
  }
  return null
}

function describeBadByte(lead: number, byte: number, position: number, shown: string): string {
  if (position === 1 && byte >= 0x80 && byte <= 0xbf) {
    if (lead === 0xed) return `sequence ${shown} encodes a UTF-16 surrogate (lone surrogate)`
    if (lead === 0xe0 || lead === 0xf0) return `sequence ${shown} is an overlong encoding`
    if (lead === 0xf4) return `sequence ${shown} encodes a code point above U+10FFFF`
  }
  return `sequence ${shown} is invalid: byte ${position + 1} should be a continuation byte`
}
