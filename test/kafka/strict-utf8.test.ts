import { describe, expect, it } from 'vitest'
import { bomLength, decodeUtf8, locateInvalidUtf8 } from '../../src/kafka/strict-utf8.js'

const bytes = (...values: number[]) => Uint8Array.from(values)

describe('strict UTF-8', () => {
  it('decodes multi-byte text and drops a leading byte order mark', () => {
    expect(decodeUtf8(Buffer.from('Jané 😀'))).toBe('Jané 😀')
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{}')])
    expect(decodeUtf8(withBom)).toBe('{}')
    expect(bomLength(withBom)).toBe(3)
    // The shared decoder must not carry BOM state from one record to the next.
    expect(decodeUtf8(Buffer.from('\u{feff}x', 'utf8'))).toBe('x')
    expect(decodeUtf8(Buffer.from('x\u{feff}', 'utf8'))).toBe('x\u{feff}')
  })

  it.each([
    ['overlong C0 AF', bytes(0x41, 0xc0, 0xaf), 1, /overlong/],
    ['overlong E0 80 AF', bytes(0xe0, 0x80, 0xaf), 0, /overlong/],
    ['surrogate ED A0 80', bytes(0x41, 0x42, 0xed, 0xa0, 0x80), 2, /surrogate/],
    ['0xFF', bytes(0x41, 0xff), 1, /never appears/],
    ['lone continuation', bytes(0x80), 0, /continuation byte with no lead/],
    ['truncated at the end', bytes(0x41, 0xf0, 0x9f, 0x98), 1, /truncated/],
    ['above U+10FFFF', bytes(0xf4, 0x90, 0x80, 0x80), 0, /above U\+10FFFF/],
    ['lead byte followed by ASCII', bytes(0xe9, 0x41), 0, /byte 2 should be a continuation/],
  ])('rejects %s and locates it', (_label, input, offset, reason) => {
    expect(decodeUtf8(input)).toBeUndefined()
    const found = locateInvalidUtf8(input)
    expect(found?.offset).toBe(offset)
    expect(found?.reason).toMatch(reason)
  })

  it('agrees with TextDecoder on every 2-byte sequence', () => {
    // The locator runs only after TextDecoder refused: it must find a fault whenever it did.
    for (let a = 0x80; a <= 0xff; a++) {
      for (let b = 0; b <= 0xff; b++) {
        const input = bytes(a, b)
        const valid = decodeUtf8(input) !== undefined
        expect(locateInvalidUtf8(input) === null, `${a} ${b}`).toBe(valid)
      }
    }
  })

  it('agrees with TextDecoder on random short byte strings', () => {
    // xorshift32 with a fixed seed: reproducible, and biased towards bytes >= 0x80.
    let seed = 0x2545f491
    const next = () => {
      seed ^= seed << 13
      seed ^= seed >>> 17
      seed ^= seed << 5
      return seed >>> 0
    }
    const disagreements: string[] = []
    for (let round = 0; round < 50_000; round++) {
      const input = Uint8Array.from({ length: 1 + (next() % 6) }, () =>
        next() % 4 === 0 ? next() % 0x80 : 0x80 + (next() % 0x80),
      )
      const valid = decodeUtf8(input) !== undefined
      if ((locateInvalidUtf8(input) === null) !== valid)
        disagreements.push(Buffer.from(input).toString('hex'))
    }
    expect(disagreements).toEqual([])
  })
})
