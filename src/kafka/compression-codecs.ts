import { decompress as zstdDecompress } from 'fzstd'
import kafkajs from 'kafkajs'
import { compressFrameSync, decompressFrameSync } from 'lz4-napi'
import { compressSync as snappyCompress, uncompressSync as snappyUncompress } from 'snappy'

/**
 * kafkajs reads only gzip batches: a snappy, lz4 or zstd batch (what a Java or librdkafka
 * producer with `compression.type` set writes, and what a broker writes for a topic with that
 * setting) fails the whole consumer with KafkaJSNotImplemented, and the relay could not read the
 * topic at all. These are the codecs kafkajs leaves to the application, for the formats Kafka's
 * own clients use:
 * - snappy: xerial's framed stream (Kafka's Java client) or one raw block (kafkajs, librdkafka);
 * - lz4: the LZ4 frame format (KIP-57);
 * - zstd: zstd frames, read by fzstd (pure JS; the relay reads zstd but never writes it).
 *
 * The relay writes its own batches with `kafka.compression` (none by default): snappy and lz4
 * through these codecs too, gzip through kafkajs.
 */
export function installCompressionCodecs(): void {
  // a default import: Node's CommonJS export detection does not see these two (kafkajs assigns
  // them as `CompressionCodecs: Compression.Codecs`), so named imports fail at load time
  const { CompressionCodecs, CompressionTypes } = kafkajs
  CompressionCodecs[CompressionTypes.Snappy] = () => snappyCodec
  CompressionCodecs[CompressionTypes.LZ4] = () => lz4Codec
  CompressionCodecs[CompressionTypes.ZSTD] = () => zstdCodec
}

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>
  decompress(buffer: Buffer): Promise<Buffer>
}

/** "\x82SNAPPY\0", then a version and a compatible version (int32 each), then the chunks. */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00])
const XERIAL_HEADER_BYTES = XERIAL_MAGIC.length + 8

export const snappyCodec: Codec = {
  async compress(encoder) {
    return snappyCompress(encoder.buffer)
  },
  async decompress(buffer) {
    if (!isXerialFramed(buffer)) return rawBlock(buffer)
    // each chunk: an int32 length, then one raw snappy block
    const parts: Buffer[] = []
    let offset = XERIAL_HEADER_BYTES
    while (offset + 4 <= buffer.length) {
      const size = buffer.readInt32BE(offset)
      offset += 4
      if (size < 0 || offset + size > buffer.length) {
        throw new Error(`snappy: a xerial chunk of ${size} bytes overruns the batch`)
      }
      parts.push(rawBlock(buffer.subarray(offset, offset + size)))
      offset += size
    }
    return Buffer.concat(parts)
  },
}

function isXerialFramed(buffer: Buffer): boolean {
  return (
    buffer.length >= XERIAL_HEADER_BYTES &&
    buffer.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)
  )
}

export const lz4Codec: Codec = {
  async compress(encoder) {
    return compressFrameSync(encoder.buffer)
  },
  async decompress(buffer) {
    return decompressFrameSync(buffer)
  },
}

export const zstdCodec: Codec = {
  compress() {
    return Promise.reject(new Error('moca-relay reads zstd batches but does not write them'))
  },
  async decompress(buffer) {
    const out = zstdDecompress(buffer)
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength)
  },
}

function rawBlock(block: Buffer): Buffer {
  return snappyUncompress(block, { asBuffer: true }) as Buffer
}
