import { compressSync as snappyBlock } from 'snappy'
import { describe, expect, it } from 'vitest'
import { lz4Codec, snappyCodec, zstdCodec } from '../../src/kafka/compression-codecs.js'

const records = Buffer.from(JSON.stringify({ user: { email: 'a@example.com' } }).repeat(50))

/** Kafka's Java client (xerial SnappyOutputStream): magic, version 1, compatible 1, chunks. */
function xerialFramed(chunks: Buffer[]): Buffer {
  const header = Buffer.alloc(16)
  Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]).copy(header)
  header.writeInt32BE(1, 8)
  header.writeInt32BE(1, 12)
  const framed = chunks.flatMap((chunk) => {
    const block = snappyBlock(chunk)
    const size = Buffer.alloc(4)
    size.writeInt32BE(block.length)
    return [size, block]
  })
  return Buffer.concat([header, ...framed])
}

describe('compression codecs', () => {
  it('snappy reads a raw block (kafkajs, librdkafka) and a xerial stream of chunks (Java)', async () => {
    expect(await snappyCodec.decompress(await snappyCodec.compress({ buffer: records }))).toEqual(
      records,
    )
    const half = records.length / 2
    const framed = xerialFramed([records.subarray(0, half), records.subarray(half)])
    expect(await snappyCodec.decompress(framed)).toEqual(records)
  })

  it('snappy refuses a xerial chunk that runs past the batch', async () => {
    const framed = xerialFramed([records])
    await expect(snappyCodec.decompress(framed.subarray(0, framed.length - 10))).rejects.toThrow(
      /overruns the batch/,
    )
  })

  it('lz4 round-trips LZ4 frames', async () => {
    const frame = await lz4Codec.compress({ buffer: records })
    expect(frame.readUInt32LE(0)).toBe(0x184d2204) // the LZ4 frame magic number
    expect(await lz4Codec.decompress(frame)).toEqual(records)
  })

  it('zstd reads frames, and says it does not write them', async () => {
    // a zstd frame of "hello" (zstd -c), raw block
    const frame = Buffer.from('KLUv/SAFKQAAaGVsbG8=', 'base64')
    expect((await zstdCodec.decompress(frame)).toString()).toBe('hello')
    await expect(zstdCodec.compress({ buffer: records })).rejects.toThrow(/does not write/)
  })
})
