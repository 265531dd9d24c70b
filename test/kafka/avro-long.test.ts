import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { lenientLongHook } from '../../src/kafka/avro-long.js'
import { avroLong } from '../support/avro-long-bytes.js'

interface AvroType {
  toBuffer(value: unknown): Buffer
  fromBuffer(buffer: Buffer): Record<string, unknown>
}

/** avsc as the registry client loads it, as avro-long.ts does. */
const avsc = createRequire(
  createRequire(import.meta.url).resolve('@kafkajs/confluent-schema-registry'),
)('avsc') as { Type: { forSchema(schema: object, opts?: object): AvroType } }

const SCHEMA = {
  type: 'record',
  name: 'Account',
  fields: [
    { name: 'acct', type: 'long' },
    { name: 'maybe', type: ['null', 'long'] },
  ],
}
const lenient = avsc.Type.forSchema(SCHEMA, { typeHook: lenientLongHook })

const account = (acct: bigint): Buffer => Buffer.concat([avroLong(acct), Buffer.from([0])])

describe('lenientLongHook', () => {
  it('reads every safe integer exactly and writes back the same bytes', () => {
    // avsc's own long type refuses to read beyond ±2^52 already.
    for (const n of [0n, -1n, 63n, -64n, 2n ** 52n + 1n, -(2n ** 53n - 1n), 2n ** 53n - 1n]) {
      const read = lenient.fromBuffer(account(n))
      expect(read.acct).toBe(Number(n))
      expect(lenient.toBuffer(read).equals(account(n))).toBe(true)
    }
  })

  it('reads a long beyond 2^53 - 1 rounded, as JSON.parse reads the same digits', () => {
    for (const n of [2n ** 60n + 1n, -(2n ** 63n), 2n ** 63n - 1n]) {
      expect(lenient.fromBuffer(account(n)).acct).toBe(JSON.parse(String(n)))
    }
  })

  it('still refuses to write a number that is not a safe integer', () => {
    expect(() => lenient.toBuffer({ acct: 2 ** 60, maybe: null })).toThrow(/invalid "long"/)
    expect(() => lenient.toBuffer({ acct: 1.5, maybe: null })).toThrow()
  })
})
