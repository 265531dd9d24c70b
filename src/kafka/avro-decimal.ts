import type { Schema, Type as AvroType } from 'avsc'
import { registryAvsc } from './registry-avsc.js'

/**
 * The Avro `decimal` logical type read as its exact decimal text: the unscaled value 123450 of
 * a decimal with scale 2 reads "1234.50". Without it avsc reads the underlying bytes or fixed as
 * a Buffer, and a route mapping an amount into a claim failed the event ("is binary"). Text keeps
 * every digit, where a JSON number would round beyond 15 or so; Java's BigDecimal (Confluent's
 * serializers) writes these bytes.
 *
 * A decimal whose precision or scale is invalid is read as its underlying type, as the Avro
 * specification says (avsc falls back when this constructor throws).
 */
export class AvroDecimalText extends registryAvsc.types.LogicalType {
  private readonly scale: number
  /** The size of an underlying `fixed`; undefined for `bytes`. */
  private readonly fixedSize: number | undefined

  constructor(schema: Schema, opts?: unknown) {
    super(schema, opts)
    const { precision, scale = 0 } = schema as { precision?: unknown; scale?: unknown }
    if (typeof precision !== 'number' || !Number.isInteger(precision) || precision < 1) {
      throw new Error('an Avro decimal needs a precision of at least 1')
    }
    if (typeof scale !== 'number' || !Number.isInteger(scale) || scale < 0 || scale > precision) {
      throw new Error('an Avro decimal needs a scale from 0 to its precision')
    }
    const underlying = this.underlyingType as AvroType & { size?: number }
    if (underlying.typeName !== 'bytes' && underlying.typeName !== 'fixed') {
      throw new Error('an Avro decimal is bytes or fixed')
    }
    this.scale = scale
    this.fixedSize = underlying.typeName === 'fixed' ? underlying.size : undefined
  }

  protected override _fromValue(value: Buffer): string {
    return decimalText(value, this.scale)
  }

  /** The bytes of a decimal text at this scale; undefined (not valid) for anything else. */
  protected override _toValue(value: unknown): Buffer | undefined {
    if (typeof value !== 'string') return undefined
    const unscaled = unscaledValue(value, this.scale)
    return unscaled === undefined ? undefined : twosComplement(unscaled, this.fixedSize)
  }

  /** Only another decimal of the same scale reads the same text. */
  protected override _resolve(type: AvroType): ((value: Buffer) => string) | undefined {
    return type instanceof AvroDecimalText && type.scale === this.scale
      ? (value) => this._fromValue(value)
      : undefined
  }
}

/** Big-endian two's complement bytes, scaled: what Avro's decimal writes. */
export function decimalText(bytes: Buffer, scale: number): string {
  if (bytes.length === 0) throw new Error('an Avro decimal of zero bytes holds no number')
  let unscaled = BigInt(`0x${bytes.toString('hex')}`)
  if ((bytes[0] as number) & 0x80) unscaled -= 1n << BigInt(bytes.length * 8)
  const negative = unscaled < 0n
  let digits = (negative ? -unscaled : unscaled).toString()
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0')
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`
  }
  return negative ? `-${digits}` : digits
}

/** "-12.30" at scale 2 → -1230n; a text with more decimals than the scale, or none: undefined. */
function unscaledValue(text: string, scale: number): bigint | undefined {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text)
  if (match === null) return undefined
  const [, sign, whole, fraction = ''] = match
  if (fraction.length > scale) return undefined
  const unscaled = BigInt(`${whole}${fraction.padEnd(scale, '0')}`)
  return sign === '-' ? -unscaled : unscaled
}

/** The shortest two's complement bytes of n, or exactly `size` of them (undefined if n needs more). */
function twosComplement(n: bigint, size: number | undefined): Buffer | undefined {
  let length = 1
  while (n < -(1n << BigInt(length * 8 - 1)) || n >= 1n << BigInt(length * 8 - 1)) length++
  if (size !== undefined) {
    if (length > size) return undefined
    length = size
  }
  const modulus = 1n << BigInt(length * 8)
  const hex = ((n + modulus) % modulus).toString(16).padStart(length * 2, '0')
  return Buffer.from(hex, 'hex')
}
