import { crc32c } from './crc32c.js'
import { encoderOver, type KafkajsEncoded } from './kafkajs-encoder-speedup.js'
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
 * untouched kafkajs's. It reads a record's key, value and headers once, as kafkajs's spread does
 * (own enumerable fields only). A request it does not handle the way kafkajs would goes to
 * kafkajs's own encoder: compression other than none (null included: kafkajs refuses it), a
 * missing record, a key, value or header value that is not a Buffer, a string or (key and value
 * only) null, a timestamp that is not a number or a string, a delta beyond 32 bits.
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
interface ProduceRequest {
  encode: () => Promise<KafkajsEncoded>
}
type ProduceRequestFactory = (args: ProduceArgs) => ProduceRequest

const PRODUCE_MODULE = 'kafkajs/src/protocol/requests/produce/v3/request.js'

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
      // kafkajs's default applies to undefined only: a null compression is its to refuse
      if (args.compression !== undefined && args.compression !== NO_COMPRESSION) return request
      const encodeWithKafkajs = request.encode
      request.encode = async () => {
        const size = measureRequest(args)
        if (size !== null) return writeRequest(args, size)
        fields.length = 0
        return encodeWithKafkajs()
      }
      return request
    },
  })
}

/**
 * Numbers the write pass needs, in the order it needs them: per partition its batch's byte count
 * (records included); per record its body length, timestamp delta, key length, value length,
 * header count, and each header's name and value lengths (-1 for null). One scratch array serves
 * every request: encoding is synchronous.
 */
let lengths = new Int32Array(4_096)
let used = 0
/**
 * What the write pass writes, read once by the measuring pass (a getter is not asked twice): per
 * record its key and value, then each header's name and value.
 */
const fields: unknown[] = []

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
  fields.length = 0
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
  for (const message of messages) {
    // kafkajs throws its own TypeError on a missing message, and skips holes: its to handle
    if (typeof message !== 'object' || message === null) return null
    const { timestamp } = message
    if (timestamp == null) continue
    if (typeof timestamp !== 'number' && typeof timestamp !== 'string') return null
    ;(stamped ??= []).push(timestamp)
  }
  if (stamped === null) return { first: now, max: now, now }
  stamped.sort()
  return { first: stamped[0], max: stamped[stamped.length - 1], now }
}

const isEnumerable = Object.prototype.propertyIsEnumerable

/** A message field as kafkajs's `{ ...message }` copies it: own and enumerable, else undefined. */
function ownField(message: ProduceMessage, name: 'key' | 'value' | 'headers'): unknown {
  return isEnumerable.call(message, name) ? message[name] : undefined
}

function measureRecord(message: ProduceMessage, index: number, times: BatchTimes): number | null {
  const bodyAt = used
  note(0)
  // kafkajs's timestamp delta, `(timestamp || now) - first` as JavaScript computes it; a varlong
  // beyond 32 bits is left to kafkajs
  const delta = ((message.timestamp || times.now) as number) - (times.first as number)
  if (delta !== (delta | 0)) return null
  note(delta)
  const key = ownField(message, 'key')
  const value = ownField(message, 'value')
  const keyBytes = bytesLength(key)
  const valueBytes = bytesLength(value)
  if (keyBytes === null || valueBytes === null) return null
  note(keyBytes)
  note(valueBytes)
  fields.push(key, value)
  const headers = ownField(message, 'headers') ?? EMPTY
  if (typeof headers !== 'object' || Array.isArray(headers)) return null
  const countAt = used
  note(0)
  let count = 0
  let headerBytes = 0
  for (const name of Object.keys(headers)) {
    const entry = (headers as Record<string, unknown>)[name]
    if (!Array.isArray(entry)) {
      const bytes = measureHeader(name, entry)
      if (bytes === null) return null
      headerBytes += bytes
      count++
      continue
    }
    for (const headerValue of entry as unknown[]) {
      const bytes = measureHeader(name, headerValue)
      if (bytes === null) return null
      headerBytes += bytes
      count++
    }
  }
  lengths[countAt] = count
  const body =
    1 +
    varIntBytes(delta) +
    varIntBytes(index) +
    varIntBytes(keyBytes) +
    Math.max(keyBytes, 0) +
    varIntBytes(valueBytes) +
    Math.max(valueBytes, 0) +
    varIntBytes(count) +
    headerBytes
  lengths[bodyAt] = body
  return varIntBytes(body) + body
}

/** Bytes of one header (a Buffer or string value; anything else is kafkajs's), noted for writing. */
function measureHeader(name: string, value: unknown): number | null {
  const valueBytes = bytesLength(value)
  if (valueBytes === null || valueBytes < 0) return null
  const nameBytes = Buffer.byteLength(name, 'utf8')
  note(nameBytes)
  note(valueBytes)
  fields.push(name, value)
  return varIntBytes(nameBytes) + nameBytes + varIntBytes(valueBytes) + valueBytes
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

function writeRequest(args: ProduceArgs, size: number): KafkajsEncoded {
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
  let field = 0
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
        at = writeVarInt(buf, at, lengths[next++]!) // body length
        buf[at++] = 0 // attributes
        at = writeVarInt(buf, at, lengths[next++]!) // timestamp delta
        at = writeVarInt(buf, at, i)
        at = writeBytes(buf, at, fields[field++], lengths[next++]!) // key
        at = writeBytes(buf, at, fields[field++], lengths[next++]!) // value
        const count = lengths[next++]!
        at = writeVarInt(buf, at, count)
        for (let header = 0; header < count; header++) {
          const nameBytes = lengths[next++]!
          at = writeVarInt(buf, at, nameBytes)
          at += buf.write(fields[field++] as string, at, nameBytes, 'utf8')
          at = writeBytes(buf, at, fields[field++], lengths[next++]!)
        }
      }
      buf.writeUInt32BE(crc32c(buf, start + CRC_FROM, at), start + CRC_AT)
    }
  }
  fields.length = 0 // let go of the request's values
  return encoderOver(buf)
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
