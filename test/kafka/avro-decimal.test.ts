import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { AvroDecimalText, decimalText } from '../../src/kafka/avro-decimal.js'
import { lenientLongHook } from '../../src/kafka/avro-long.js'

interface AvroType {
  toBuffer(value: unknown): Buffer
  fromBuffer(buffer: Buffer): Record<string, unknown>
  isValid(value: unknown): boolean
}

/** avsc as the registry client loads it, with the options the relay gives it. */
const avsc = createRequire(
  createRequire(import.meta.url).resolve('@kafkajs/confluent-schema-registry'),
)('avsc') as { Type: { forSchema(schema: object, opts?: object): AvroType } }

const readerOf = (schema: object): AvroType =>
  avsc.Type.forSchema(schema, {
    typeHook: lenientLongHook,
    logicalTypes: { decimal: AvroDecimalText },
  })

const PAYMENT = {
  type: 'record',
  name: 'Payment',
  fields: [
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 20, scale: 2 } },
    {
      name: 'rate',
      type: {
        type: 'fixed',
        name: 'Rate',
        size: 4,
        logicalType: 'decimal',
        precision: 9,
        scale: 4,
      },
    },
  ],
}

/** The record as Avro binary: bytes are a zigzag length and the bytes; fixed is its bytes. */
function payment(amount: number[], rate: number[]): Buffer {
  return Buffer.from([amount.length * 2, ...amount, ...rate])
}

describe('Avro decimals', () => {
  it('read as their exact text, in bytes and in fixed, and write back the same bytes', () => {
    const reader = readerOf(PAYMENT)
    const cases: [number[], number[], string, string][] = [
      [[0x7b], [0, 0, 0, 1], '1.23', '0.0001'],
      [[0x85], [0xff, 0xff, 0xff, 0xff], '-1.23', '-0.0001'],
      [[0x00], [0, 0, 0, 0], '0.00', '0.0000'],
      [[0x00, 0x80], [0x00, 0x01, 0x86, 0xa0], '1.28', '10.0000'],
      // 2^71 - 1 unscaled: beyond what a JSON number holds exactly.
      [
        [0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        [0x80, 0, 0, 0],
        '23611832414348226068.47',
        '-214748.3648',
      ],
    ]
    for (const [amount, rate, amountText, rateText] of cases) {
      const bytes = payment(amount, rate)
      const read = reader.fromBuffer(bytes)
      expect(read).toEqual({ amount: amountText, rate: rateText })
      expect(reader.toBuffer(read).equals(bytes)).toBe(true)
    }
  })

  it('read a sign-extended encoding as the same number', () => {
    expect(readerOf(PAYMENT).fromBuffer(payment([0xff, 0x85], [0, 0, 0, 0])).amount).toBe('-1.23')
  })

  it('refuse to write a text that is not a decimal of their scale or size', () => {
    const reader = readerOf(PAYMENT)
    expect(reader.isValid({ amount: '1.23', rate: '0.5' })).toBe(true)
    for (const amount of ['1.234', '1e3', ' 1', '', '1.', 12]) {
      expect(reader.isValid({ amount, rate: '0' })).toBe(false)
    }
    // 2^31 / 10^4 does not fit 4 bytes.
    expect(reader.isValid({ amount: '0', rate: '214748.3648' })).toBe(false)
  })

  it('with a precision or scale that is not valid, read as their underlying bytes (the spec)', () => {
    const reader = readerOf({
      type: 'record',
      name: 'Odd',
      fields: [{ name: 'v', type: { type: 'bytes', logicalType: 'decimal', scale: 2 } }],
    })
    expect(reader.fromBuffer(Buffer.from([2, 0x7b])).v).toEqual(Buffer.from([0x7b]))
  })

  it('of zero bytes hold no number', () => {
    expect(() => decimalText(Buffer.alloc(0), 2)).toThrow(
      'an Avro decimal of zero bytes holds no number',
    )
  })
})
