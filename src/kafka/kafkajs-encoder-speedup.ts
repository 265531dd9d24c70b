import { kafkajsOriginal, swapKafkajsModule } from './kafkajs-module-swap.js'

/**
 * A faster buffer strategy for kafkajs 2.2.4's protocol Encoder, installed before kafkajs loads.
 *
 * kafkajs encodes every record, and every header of every record, with a fresh Encoder whose
 * constructor zero-fills a 512-byte `Buffer.alloc` (its own ArrayBuffer, outside Node's buffer
 * pool), grows it with another `Buffer.alloc` plus a copy, and writes each varint through a
 * temporary array and `Buffer.from`. A relay output record carries eight CloudEvents headers, so
 * one event costs dozens of such allocations; the V8 profile of `npm run bench` put them at ≈ 5%
 * of the relay's CPU plus much of its garbage collection.
 *
 * The replacement keeps the Encoder's class, prototype and every method's output byte for byte
 * (the encoder only ever exposes `buf.slice(0, offset)`, written contiguously from offset 0, so
 * unfilled bytes never leave it) and changes three things: buffers come from
 * `Buffer.allocUnsafe` (pooled below 4 KiB), the initial size is 128 bytes (a header is a few
 * dozen), and varints are written in place. test/kafka/kafkajs-encoder-speedup.test.ts
 * compares its bytes with the original's.
 *
 * Each kafkajs protocol module captures the Encoder class when it loads, so this must run before
 * kafkajs loads: every entry point imports kafka/kafkajs-patches.ts, which loads it right after the
 * read_committed fix.
 */

interface EncoderInstance {
  buf: Buffer
  offset: number
  ensureAvailable(length: number): void
}
interface EncoderClass {
  new (initialSize?: number): EncoderInstance
  readonly prototype: EncoderInstance & Record<string, unknown>
  nextPowerOfTwo(value: number): number
}

const ENCODER_MODULE = 'kafkajs/src/protocol/encoder.js'
/** Enough for a CloudEvents header; records and requests grow by powers of two from here. */
const INITIAL_BYTES = 128
const MOST_SIGNIFICANT_BIT = 0x80
const OTHER_BITS = 0x7f

/** The original class, for the byte-for-byte comparison test. */
export function originalEncoder(): EncoderClass {
  return kafkajsOriginal<EncoderClass>(ENCODER_MODULE)
}

/** The Encoder's prototype, once looked up (encoderOver runs for every request). */
let encoderPrototype: object | undefined

/** What kafkajs reads of an encoded request: its buffer, how much is written, and those bytes. */
export interface KafkajsEncoded {
  readonly buf: Buffer
  readonly offset: number
  /** kafkajs's getter: `buf` up to `offset`. */
  readonly buffer: Buffer
}

/**
 * A kafkajs Encoder over `buf`, every byte of it written: how the relay's own encoders hand kafkajs
 * what they wrote (kafkajs checks for the Encoder's `buf` and reads its `buffer`).
 */
export function encoderOver(buf: Buffer): KafkajsEncoded {
  encoderPrototype ??= originalEncoder().prototype
  const encoder = Object.create(encoderPrototype) as EncoderInstance
  encoder.buf = buf
  encoder.offset = buf.length
  return encoder as unknown as KafkajsEncoded
}

function createFastEncoder(Original: EncoderClass): EncoderClass {
  function FastEncoder(this: EncoderInstance, initialSize?: number): void {
    const size = initialSize === undefined ? INITIAL_BYTES : Original.nextPowerOfTwo(initialSize)
    this.buf = Buffer.allocUnsafe(size)
    this.offset = 0
  }
  // Same prototype (methods, instanceof) and, through the constructor's prototype chain, the
  // same static helpers (sizeOfVarInt, encodeZigZag…).
  FastEncoder.prototype = Original.prototype
  Object.setPrototypeOf(FastEncoder, Original)
  return FastEncoder as unknown as EncoderClass
}

function patchPrototype(Original: EncoderClass): void {
  const proto = Original.prototype
  proto.ensureAvailable = function ensureAvailable(this: EncoderInstance, length: number): void {
    if (this.offset + length <= this.buf.length) return
    const grown = Buffer.allocUnsafe(Original.nextPowerOfTwo(this.offset + length))
    this.buf.copy(grown, 0, 0, this.offset)
    this.buf = grown
  }
  proto.writeUVarInt = function writeUVarInt(this: EncoderInstance, value: number) {
    this.ensureAvailable(5)
    const buf = this.buf
    let offset = this.offset
    let rest = value >>> 0
    while (rest > OTHER_BITS) {
      buf[offset++] = (rest & OTHER_BITS) | MOST_SIGNIFICANT_BIT
      rest >>>= 7
    }
    buf[offset++] = rest
    this.offset = offset
    return this
  }
}

/** Installs the faster Encoder; a no-op when installed already. Throws if kafkajs loaded first. */
export function installEncoderSpeedup(): void {
  swapKafkajsModule<EncoderClass>({
    module: ENCODER_MODULE,
    patch: 'its encoder speed-up',
    replace: (Original) => {
      patchPrototype(Original)
      return createFastEncoder(Original)
    },
  })
}

installEncoderSpeedup()
