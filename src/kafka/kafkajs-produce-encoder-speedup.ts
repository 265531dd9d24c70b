import { createRequire } from 'node:module'
import { crc32c } from './crc32c.js'
import { kafkajsLong } from './kafkajs-long.js'
import { kafkajsOriginal, swapKafkajsModule } from './kafkajs-module-swap.js'

/**
 * A one-pass encoder for kafkajs 2.2.4's Produce request (versions 3 to 7, which share v3's
 * encoding), installed before kafkajs loads.
 *
 * kafkajs builds a Produce request out of nested Encoders: one per record and one per header of
 * every record, each grown and then copied into its parent (record → batch body → batch → record
 * set → partition → topic → request), with an object spread per record, a header list per record
 * and a byte-at-a-time CRC-32C over the batch. The V8 profile of `npm run bench` put 15% of the
 * relay's busy time under that request's `encode`: the relay writes five records per event, each
 * with its CloudEvents headers.
 *
 * The replacement measures the request first, then writes every byte once into one buffer of
 * exactly that size, and checksums each batch with slicing-by-8 (`crc32c.ts`). It writes the
 * same bytes as kafkajs: test/kafka/kafkajs-produce-encoder-speedup.test.ts compares them with an
 * untouched kafkajs's. A request it does not handle the way kafkajs would goes to kafkajs's own
 * encoder: compressed batches, and any record whose key, value or header values are not a
 * Buffer, a string or (key and value only) null, or whose timestamps are not numbers or strings.
 *
 * kafkajs's Produce versions 4 to 7 capture this module when they load, so this must run before
 * kafkajs loads: every entry point imports kafka/kafkajs-patches.ts.
 */

interface ProduceMessage {
  readonly key?: unknown
  readonly value?: unknown
  readonly headers?: unknown
  readonly timestamp?: unknown
}
interface ProducePartition {
  readonly partition: number
  readonly firstSequence?: unknown
  readonly messages: readonly ProduceMessage[]
}
interface ProduceTopic {
  readonly topic: unknown
  readonly partitions: readonly ProducePartition[]
}
interface ProduceArgs {
  readonly acks: number
  readonly timeout: number
  readonly transactionalId?: unknown
  readonly producerId?: unknown
  readonly producerEpoch?: unknown
  readonly compression?: number
  readonly topicData: readonly ProduceTopic[]
}
interface EncoderInstance {
  buf: Buffer
  offset: number
}
interface ProduceRequest {
  encode: () => Promise<EncoderInstance>
}
type ProduceRequestFactory = (args: ProduceArgs) => ProduceRequest

const PRODUCE_MODULE = 'kafkajs/src/protocol/requests/produce/v3/request.js'
const ENCODER_MODULE = 'kafkajs/src/protocol/encoder.js'

const require = createRequire(import.meta.url)

/** kafkajs's `Types.None`: the batches are not compressed. */
const NO_COMPRESSION = 0
const MAGIC_BYTE = 2
const TRANSACTIONAL_ATTRIBUTE = 16
/** Bytes of a record batch before its records: first offset … record count. */
const BATCH_HEADER_BYTES = 8 + 4 + 4 + 1 + 4 + 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4
/** Where the CRC-covered part (attributes onwards) starts in a record batch. */
const CRC_AT = 8 + 4 + 4 + 1
const CRC_FROM = CRC_AT + 4

/** kafkajs's own request factory, for the comparison test. */
export function originalProduceRequest(): ProduceRequestFactory {
  return kafkajsOriginal<ProduceRequestFactory>(PRODUCE_MODULE)
}

/** Installs the one-pass encoder; a no-op when installed already. Throws if kafkajs loaded first. */
export function installProduceEncoderSpeedup(): void {
  swapKafkajsModule<ProduceRequestFactory>({
    module: PRODUCE_MODULE,
    patch: 'its produce encoder speed-up',
    replace: (original) => (args) => {
      const request = original(args)
      if ((args.compression ?? NO_COMPRESSION) !== NO_COMPRESSION) return request
      const encodeWithKafkajs = request.encode
      request.encode = async () => {
        const size = measureRequest(args)
        return size === null ? encodeWithKafkajs() : writeRequest(args, size)
      }
      return request
    },
  })
}

/**
 * Lengths the write pass needs, in the order it needs them: per partition its batch's byte count
 * (records included); per record its body length, key length, value length, header count, and
 * each header's name and value lengths (-1 for null). One scratch array serves every request:
 * encoding is synchronous.
 */
let lengths = new Int32Array(4_096)
let used = 0

function note(value: number): void {
  if (used === lengths.length) {
    const grown = new Int32Array(lengths.length * 2)
    grown.set(lengths)
    lengths = grown
  }
  lengths[used++] = value
}

/** Per partition, the timestamp kafkajs writes as the batch's first, and its maximum. */
interface BatchTimes {
  readonly first: unknown
  readonly max: unknown
  /** Date.now() when the batch was measured: kafkajs's stand-in for a record without one. */
  readonly now: number
}
const batchTimes: BatchTimes[] = []

/** The request's byte count, or null when kafkajs must encode it. */
function measureRequest(args: ProduceArgs): number | null {
  used = 0
  batchTimes.length = 0
  const { transactionalId } = args
  if (transactionalId != null && typeof transactionalId !== 'string') return null
  if (args.producerEpoch !== undefined && typeof args.producerEpoch !== 'number') return null
  let size = stringBytes(transactionalId) + 2 + 4 + 4
  for (const { topic, partitions } of args.topicData) {
    if (typeof topic !== 'string') return null
    size += stringBytes(topic) + 4
    for (const data of partitions) {
      if (data.firstSequence !== undefined && typeof data.firstSequence !== 'number') return null
      const batch = measureBatch(data.messages)
      if (batch === null) return null
      size += 4 + 4 + batch
    }
  }
  return size
}

function measureBatch(messages: readonly ProduceMessage[]): number | null {
  const times = batchTimesOf(messages)
  if (times === null) return null
  batchTimes.push(times)
  const batchAt = used
  note(0)
  let size = BATCH_HEADER_BYTES
  for (let i = 0; i < messages.length; i++) {
    const record = measureRecord(messages[i]!, i, times)
    if (record === null) return null
    size += record
  }
  lengths[batchAt] = size
  return size
}

/** kafkajs's first and max timestamps: the smallest and largest, in `Array.prototype.sort` order. */
function batchTimesOf(messages: readonly ProduceMessage[]): BatchTimes | null {
  const now = Date.now()
  let stamped: unknown[] | null = null
  for (const { timestamp } of messages) {
    if (timestamp == null) continue
    if (typeof timestamp !== 'number' && typeof timestamp !== 'string') return null
    ;(stamped ??= []).push(timestamp)
  }
  if (stamped === null) return { first: now, max: now, now }
  stamped.sort()
  return { first: stamped[0], max: stamped[stamped.length - 1], now }
}

/** kafkajs's timestamp delta of a record: `(timestamp || now) - first`, as JavaScript computes it. */
function timestampDelta(message: ProduceMessage, times: BatchTimes): number {
  return ((message.timestamp || times.now) as number) - (times.first as number)
}

function measureRecord(message: ProduceMessage, index: number, times: BatchTimes): number | null {
  const bodyAt = used
  note(0)
  const key = bytesLength(message.key)
  const value = bytesLength(message.value)
  if (key === null || value === null) return null
  note(key)
  note(value)
  const headers = message.headers === undefined ? EMPTY : message.headers
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) return null
  const countAt = used
  note(0)
  let count = 0
  let headerBytes = 0
  for (const name of Object.keys(headers)) {
    const nameBytes = Buffer.byteLength(name, 'utf8')
    const entry = (headers as Record<string, unknown>)[name]
    const values = Array.isArray(entry) ? entry : [entry]
    for (const headerValue of values) {
      const valueBytes = bytesLength(headerValue)
      if (valueBytes === null || valueBytes < 0) return null
      note(nameBytes)
      note(valueBytes)
      headerBytes += varIntBytes(nameBytes) + nameBytes + varIntBytes(valueBytes) + valueBytes
      count++
    }
  }
  lengths[countAt] = count
  const delta = varLongBytes(timestampDelta(message, times))
  if (delta === null) return null
  const body =
    1 +
    delta +
    varIntBytes(index) +
    varIntBytes(key) +
    Math.max(key, 0) +
    varIntBytes(value) +
    Math.max(value, 0) +
    varIntBytes(count) +
    headerBytes
  lengths[bodyAt] = body
  return varIntBytes(body) + body
}

const EMPTY = Object.freeze({})

/** Bytes of a Buffer or string, -1 for null or undefined, null for anything else. */
function bytesLength(value: unknown): number | null {
  if (value == null) return -1
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8')
  return Buffer.isBuffer(value) ? value.length : null
}

function stringBytes(value: string | null | undefined): number {
  return 2 + (value == null ? 0 : Buffer.byteLength(value, 'utf8'))
}

/** Bytes of a zigzag varint, for the 32-bit values kafkajs writes as varints. */
function varIntBytes(value: number): number {
  let rest = ((value << 1) ^ (value >> 31)) >>> 0
  let bytes = 1
  while (rest > 0x7f) {
    bytes++
    rest >>>= 7
  }
  return bytes
}

/** Bytes of a timestamp delta's zigzag varlong; null outside 32 bits (kafkajs then encodes). */
function varLongBytes(value: number): number | null {
  return value === (value | 0) ? varIntBytes(value) : null
}

function writeRequest(args: ProduceArgs, size: number): EncoderInstance {
  const Encoder = require(ENCODER_MODULE) as { prototype: object }
  const buf = Buffer.allocUnsafe(size)
  let at = writeString(buf, 0, args.transactionalId as string | null | undefined)
  at = buf.writeInt16BE(args.acks, at)
  at = buf.writeInt32BE(args.timeout, at)
  at = buf.writeInt32BE(args.topicData.length, at)
  const Long = kafkajsLong()
  const producerId = Long.fromValue(
    args.producerId === undefined ? -1 : args.producerId,
  ) as unknown as LongBits
  const transactional = Boolean(args.transactionalId)
  let next = 0
  let batch = 0
  for (const { topic, partitions } of args.topicData) {
    at = writeString(buf, at, topic as string)
    at = buf.writeInt32BE(partitions.length, at)
    for (const data of partitions) {
      const times = batchTimes[batch++]!
      const batchBytes = lengths[next++]!
      at = buf.writeInt32BE(data.partition, at)
      at = buf.writeInt32BE(batchBytes, at)
      const start = at
      at = writeInt64(buf, at, 0, 0) // first offset
      at = buf.writeInt32BE(batchBytes - 12, at)
      at = buf.writeInt32BE(0, at) // partition leader epoch
      at = buf.writeInt8(MAGIC_BYTE, at)
      at += 4 // CRC, below
      at = buf.writeInt16BE(transactional ? TRANSACTIONAL_ATTRIBUTE : 0, at)
      at = buf.writeInt32BE(data.messages.length - 1, at)
      at = writeLong(buf, at, Long.fromValue(times.first) as unknown as LongBits)
      at = writeLong(buf, at, Long.fromValue(times.max) as unknown as LongBits)
      at = writeLong(buf, at, producerId)
      at = buf.writeInt16BE((args.producerEpoch as number | undefined) ?? 0, at)
      at = buf.writeInt32BE((data.firstSequence as number | undefined) ?? 0, at)
      at = buf.writeInt32BE(data.messages.length, at)
      for (let i = 0; i < data.messages.length; i++) {
        const message = data.messages[i]!
        at = writeVarInt(buf, at, lengths[next++]!)
        buf[at++] = 0 // attributes
        at = writeVarInt(buf, at, timestampDelta(message, times))
        at = writeVarInt(buf, at, i)
        at = writeBytes(buf, at, message.key, lengths[next++]!)
        at = writeBytes(buf, at, message.value, lengths[next++]!)
        const count = lengths[next++]!
        at = writeVarInt(buf, at, count)
        if (count > 0) at = writeHeaders(buf, at, message.headers as Record<string, unknown>, next)
        next += 2 * count
      }
      buf.writeUInt32BE(crc32c(buf, start + CRC_FROM, at), start + CRC_AT)
    }
  }
  // An Encoder (kafkajs checks for its `buf`) over exactly the bytes written.
  const encoder = Object.create(Encoder.prototype) as EncoderInstance
  encoder.buf = buf
  encoder.offset = size
  return encoder
}

function writeHeaders(
  buf: Buffer,
  start: number,
  headers: Record<string, unknown>,
  first: number,
): number {
  let at = start
  let next = first
  for (const name of Object.keys(headers)) {
    const entry = headers[name]
    const values = Array.isArray(entry) ? (entry as unknown[]) : [entry]
    for (const value of values) {
      const nameBytes = lengths[next++]!
      at = writeVarInt(buf, at, nameBytes)
      at += buf.write(name, at, nameBytes, 'utf8')
      at = writeBytes(buf, at, value, lengths[next++]!)
    }
  }
  return at
}

/** A Buffer or string with its varint length first; null (length -1) as the varint alone. */
function writeBytes(buf: Buffer, start: number, value: unknown, length: number): number {
  const at = writeVarInt(buf, start, length)
  if (length <= 0) return at
  if (typeof value === 'string') return at + buf.write(value, at, length, 'utf8')
  buf.set(value as Buffer, at)
  return at + length
}

function writeVarInt(buf: Buffer, start: number, value: number): number {
  let at = start
  let rest = ((value << 1) ^ (value >> 31)) >>> 0
  while (rest > 0x7f) {
    buf[at++] = (rest & 0x7f) | 0x80
    rest >>>= 7
  }
  buf[at++] = rest
  return at
}

function writeString(buf: Buffer, start: number, value: string | null | undefined): number {
  if (value == null) return buf.writeInt16BE(-1, start)
  const at = buf.writeInt16BE(Buffer.byteLength(value, 'utf8'), start)
  return at + buf.write(value, at, 'utf8')
}

interface LongBits {
  getHighBits(): number
  getLowBits(): number
}

function writeLong(buf: Buffer, start: number, value: LongBits): number {
  return writeInt64(buf, start, value.getHighBits(), value.getLowBits())
}

function writeInt64(buf: Buffer, start: number, high: number, low: number): number {
  return buf.writeInt32BE(low, buf.writeInt32BE(high, start))
}

installProduceEncoderSpeedup()
