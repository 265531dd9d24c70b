import type { ForSchemaOptions } from 'avsc'
import { registryAvsc as avsc } from './registry-avsc.js'

type AvroTypeHook = ForSchemaOptions['typeHook']

/**
 * Avro `long` read as JSON.parse reads an integer: a number, exact up to ±(2^53 - 1), rounded to
 * the nearest double beyond. avsc's own long type refuses to decode a value beyond ±2^52
 * ("potential precision loss"), which failed a whole record holding one (a Java producer's 64-bit
 * id) as a payload that does not match its writer schema, even when no route reads the field. Read like JSON, it fails only
 * where it matters: a claim or an event id holding it is refused by the mapping (INPUT_INVALID,
 * naming the field). Writing stays as strict as avsc's: only safe integers are encoded.
 */
const LENIENT_LONG = avsc.types.LongType.__with({
  fromBuffer: (buf: Buffer): number => Number(buf.readBigInt64LE(0)),
  toBuffer: (n: number): Buffer => {
    if (!Number.isSafeInteger(n)) throw new Error(`invalid "long": ${String(n)}`)
    const buf = Buffer.alloc(8)
    buf.writeBigInt64LE(BigInt(n))
    return buf
  },
  fromJSON: (json: number): number => json,
  toJSON: (n: number): number => n,
  isValid: (n: unknown): boolean => Number.isSafeInteger(n),
  compare: (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : 0),
})

/** The avsc typeHook that puts LENIENT_LONG wherever a schema declares a `long`. */
export const lenientLongHook: AvroTypeHook = (schema) => {
  const type = typeof schema === 'string' ? schema : (schema as { type?: unknown }).type
  return type === 'long' ? LENIENT_LONG : undefined
}
