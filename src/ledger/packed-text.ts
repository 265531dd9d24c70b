/**
 * The in-memory ledger holds a few strings per credential for the whole retention window, and
 * nearly all of them are hex: idempotency keys and holder keys (SHA-256), MocaChain's
 * coreClaimHash (64 hex characters), its userUuid. V8 stores each hex digit in a byte; packed,
 * two digits share one Latin-1 character, halving the string (a 64-digit key: 80 → 56 bytes).
 *
 * A packed text starts with a tag character: HEX64 (64 lowercase hex digits, then any suffix such
 * as a generation's `.g2`), UUID (exactly 8-4-4-4-12 lowercase hex digits, nothing else). A text
 * neither packs into starts with ESCAPE when its own first character is a tag, and is kept as it
 * is otherwise, so every packed text unpacks to exactly the text it came from and two texts never
 * pack alike.
 */
const ESCAPE = '\u0000'
const HEX64 = '\u0001'
const UUID = '\u0002'
/** Lowercase hex digit → value; -1 for anything else (uppercase too: it would not unpack alike). */
const DIGIT = new Int8Array(128).fill(-1)
for (let i = 0; i < 16; i++) DIGIT['0123456789abcdef'.charCodeAt(i)] = i
const UUID_DASHES = [8, 13, 18, 23]

export function packText(text: string): string {
  if (text.length >= 64) {
    const packed = packHex(HEX64, text.slice(0, 64))
    if (packed !== null) return text.length === 64 ? packed : packed + text.slice(64)
  }
  if (text.length === 36 && UUID_DASHES.every((i) => text[i] === '-')) {
    // Drops only the four dashes unpackText puts back; every other character must be a digit
    // (packHex), so a text with more dashes is kept as it is, not shortened.
    const digits =
      text.slice(0, 8) +
      text.slice(9, 13) +
      text.slice(14, 18) +
      text.slice(19, 23) +
      text.slice(24)
    const packed = packHex(UUID, digits)
    if (packed !== null) return packed
  }
  return text.charCodeAt(0) <= UUID.charCodeAt(0) ? ESCAPE + text : text
}

export function unpackText(packed: string): string {
  switch (packed[0]) {
    case HEX64:
      return unpackHex(packed.slice(1, 33)) + packed.slice(33)
    case UUID: {
      const hex = unpackHex(packed.slice(1))
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
    }
    case ESCAPE:
      return packed.slice(1)
    default:
      return packed
  }
}

/**
 * `tag`, then one character per two digits of `hex`, as one flat string (`tag + bytes` would be a
 * rope: V8 joins strings of 13 characters or more by reference, costing more than the hex saved).
 * Null unless every character is a lowercase hex digit.
 */
function packHex(tag: string, hex: string): string | null {
  const codes = new Array<number>(1 + hex.length / 2)
  codes[0] = tag.charCodeAt(0)
  for (let i = 0; i < hex.length; i += 2) {
    const high = DIGIT[hex.charCodeAt(i)] ?? -1
    const low = DIGIT[hex.charCodeAt(i + 1)] ?? -1
    if (high < 0 || low < 0) return null
    codes[1 + i / 2] = (high << 4) | low
  }
  return String.fromCharCode(...codes)
}

function unpackHex(bytes: string): string {
  return Buffer.from(bytes, 'latin1').toString('hex')
}
