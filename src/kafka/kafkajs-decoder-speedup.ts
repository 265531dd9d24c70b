import { kafkajsLong, type KafkajsLong, type KafkajsLongStatic } from './kafkajs-long.js'
import { kafkajsOriginal, swapKafkajsModule } from './kafkajs-module-swap.js'

/**
 * A faster record decoder for kafkajs 2.2.4's consumer, installed before kafkajs loads.
 *
 * For every fetched record kafkajs parses its batch's first offset and first timestamp from
 * decimal strings into 64-bit `Long` objects, adds the record's deltas (read as `Long`s too) and
 * prints the sums back to strings; then it builds the headers object with an object spread per
 * header. The V8 profile of the bench's replay put ≈ 20% of its busy time in that decoding, and
 * the relay decodes every input record, and every ledger record at start-up.
 *
 * The replacement returns the same object field for field: offsets and timestamps are added as
 * plain numbers while they are safe integers (always, for offsets below 2^53 and deltas that fit
 * 7 varint bytes) and through kafkajs's `Long` otherwise; headers are gathered with one
 * assignment each, repeated keys becoming arrays as before. test/kafka/kafkajs-decoder-speedup.test.ts
 * compares its output with the original's.
 *
 * kafkajs's record-batch decoder captures this module when it loads, so this must run before
 * kafkajs loads: every entry point imports kafka/kafkajs-patches.ts.
 */

interface Decoder {
  buffer: Buffer
  offset: number
  readInt8(): number
  readVarInt(): number
  readVarLong(): KafkajsLong
  readVarIntBytes(): Buffer | null
  readVarIntString(): string | null
}
interface BatchContext {
  readonly firstOffset?: string
  readonly firstTimestamp?: string
  readonly magicByte?: number
  readonly isControlBatch?: boolean
  readonly timestampType?: number
  readonly maxTimestamp?: string
}
type Headers = Record<string, Buffer | null | (Buffer | null)[]>
type RecordDecoder = (decoder: Decoder, batchContext?: BatchContext) => unknown

const RECORD_DECODER_MODULE = 'kafkajs/src/protocol/recordBatch/record/v0/decoder.js'
/** kafkajs/src/protocol/timestampTypes.js */
const LOG_APPEND_TIME = 1
/** A varint of up to 7 bytes holds 49 bits: exact as a number, and so is its zigzag decoding. */
const MAX_EXACT_VARINT_BYTES = 7

function createRecordDecoder(Long: KafkajsLongStatic): RecordDecoder {
  /** `base` (a decimal string) + `delta`, as kafkajs prints it. */
  function plus(base: string | undefined, delta: number | KafkajsLong): string {
    if (typeof delta === 'number') {
      const start = Number(base)
      const sum = start + delta
      if (Number.isSafeInteger(start) && Number.isSafeInteger(sum)) return String(sum)
    }
    return Long.fromValue(base).add(delta).toString()
  }

  /** decoder.readVarLong() as a number when it fits, else as kafkajs's Long. */
  function readVarLong(decoder: Decoder): number | KafkajsLong {
    const { buffer } = decoder
    const start = decoder.offset
    let unsigned = 0
    let scale = 1
    for (let i = 0; i < MAX_EXACT_VARINT_BYTES; i++) {
      const byte = buffer[start + i]
      if (byte === undefined) break
      unsigned += (byte & 0x7f) * scale
      if (byte < 0x80) {
        decoder.offset = start + i + 1
        return unsigned % 2 === 0 ? unsigned / 2 : -(unsigned + 1) / 2
      }
      scale *= 0x80
    }
    return decoder.readVarLong()
  }

  return function decodeRecord(decoder, batchContext = {}) {
    const {
      firstOffset,
      firstTimestamp,
      magicByte,
      isControlBatch = false,
      timestampType,
      maxTimestamp,
    } = batchContext
    const attributes = decoder.readInt8()
    const timestampDelta = readVarLong(decoder)
    const timestamp =
      timestampType === LOG_APPEND_TIME && maxTimestamp
        ? maxTimestamp
        : plus(firstTimestamp, timestampDelta)
    const offset = plus(firstOffset, decoder.readVarInt())
    const key = decoder.readVarIntBytes()
    const value = decoder.readVarIntBytes()
    const headers: Headers = {}
    const count = decoder.readVarInt()
    for (let i = 0; i < count; i++) {
      const name = decoder.readVarIntString() as string
      const headerValue = decoder.readVarIntBytes()
      // kafkajs reads before it writes, through the prototype chain ("__proto__" included), and
      // writes own properties (an object spread): so do these two lines.
      const existing = (headers as Record<string, unknown>)[name]
      const next =
        existing === undefined
          ? headerValue
          : Array.isArray(existing)
            ? existing.concat([headerValue])
            : [existing, headerValue]
      if (name === '__proto__') {
        Object.defineProperty(headers, name, {
          value: next,
          writable: true,
          enumerable: true,
          configurable: true,
        })
      } else {
        headers[name] = next as Headers[string]
      }
    }
    return {
      magicByte,
      attributes,
      timestamp,
      offset,
      key,
      value,
      headers,
      isControlRecord: isControlBatch,
      batchContext,
    }
  }
}

/** kafkajs's own record decoder, for the comparison test. */
export function originalRecordDecoder(): RecordDecoder {
  return kafkajsOriginal<RecordDecoder>(RECORD_DECODER_MODULE)
}

/** Installs the faster decoder; a no-op when installed already. Throws if kafkajs loaded first. */
export function installDecoderSpeedup(): void {
  const Long = kafkajsLong()
  swapKafkajsModule<RecordDecoder>({
    module: RECORD_DECODER_MODULE,
    patch: 'its decoder speed-up',
    replace: () => createRecordDecoder(Long),
  })
}

installDecoderSpeedup()
