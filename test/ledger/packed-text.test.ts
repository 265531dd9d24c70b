import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { sha256Hex } from '../../src/domain/idempotency-key.js'
import { packText, unpackText } from '../../src/ledger/packed-text.js'

describe('packed ledger texts', () => {
  // 36 characters with dashes where a UUID has them, and more dashes: a userUuid is whatever
  // MocaChain sent
  const uuidShaped = [
    'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaa-',
    'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaa--',
    'aaaaaaaa-aaaa-aaaa-aaaa-a--aaaaaaaaa',
    '-'.repeat(36),
  ]
  const texts = [
    sha256Hex('key'), // idempotency and holder keys, coreClaimHash
    `${sha256Hex('key')}.g2`, // a reissued generation's key
    randomUUID(), // userUuid
    '@offset:42', // a record that never got an idempotency key
    sha256Hex('key').toUpperCase(), // not what the relay writes: kept as it is
    `0x${sha256Hex('key')}`,
    sha256Hex('key').slice(0, 63),
    randomUUID().toUpperCase(),
    '',
    '\u0000',
    '\u0001already-looks-packed',
    '\u0002',
    '\u0003',
    `\u0001${sha256Hex('key')}`, // a tag, then what that tag packs
    'ünïcödé',
    '\ud800', // a lone surrogate
    sha256Hex('key') + sha256Hex('key'),
    `${sha256Hex('key').slice(0, 40)}-${sha256Hex('key').slice(41)}`, // 64 characters, not all hex
    'a'.repeat(36),
    ...uuidShaped,
  ]

  it.each(texts)('unpacks %j to exactly the text it packed', (text) => {
    expect(unpackText(packText(text))).toBe(text)
  })

  it('never packs two texts alike', () => {
    const packed = texts.map(packText)
    expect(new Set(packed).size).toBe(texts.length)
  })

  it('keeps as it is a text shaped like a UUID whose other characters are not all hex digits', () => {
    for (const text of uuidShaped) expect(packText(text)).toBe(text)
  })

  it('halves hex keys and shrinks UUIDs: what the ledger holds per credential', () => {
    expect(packText(sha256Hex('key'))).toHaveLength(33)
    expect(packText(`${sha256Hex('key')}.g2`)).toHaveLength(36)
    expect(packText(randomUUID())).toHaveLength(17)
  })
})
