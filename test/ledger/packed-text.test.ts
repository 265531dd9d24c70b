import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { sha256Hex } from '../../src/domain/idempotency-key.js'
import { packText, unpackText } from '../../src/ledger/packed-text.js'

describe('packed ledger texts', () => {
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
    'ünïcödé',
  ]

  it.each(texts)('unpacks %j to exactly the text it packed', (text) => {
    expect(unpackText(packText(text))).toBe(text)
  })

  it('never packs two texts alike', () => {
    const packed = texts.map(packText)
    expect(new Set(packed).size).toBe(texts.length)
  })

  it('halves hex keys and shrinks UUIDs: what the ledger holds per credential', () => {
    expect(packText(sha256Hex('key'))).toHaveLength(33)
    expect(packText(`${sha256Hex('key')}.g2`)).toHaveLength(36)
    expect(packText(randomUUID())).toHaveLength(17)
  })
})
