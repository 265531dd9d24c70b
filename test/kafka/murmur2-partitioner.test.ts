import { Partitioners, type Message, type PartitionMetadata } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { Murmur2Partitioner, murmur2 } from '../../src/kafka/murmur2-partitioner.js'
import { createSeededRandom } from '../../src/sandbox/seeded-random.js'

function partitions(count: number, leaderless: readonly number[] = []): PartitionMetadata[] {
  return Array.from({ length: count }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: leaderless.includes(partitionId) ? -1 : 0,
    replicas: [0],
    isr: [0],
  }))
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789-_@.:éßø漢字🙂'

describe('Murmur2Partitioner', () => {
  it("hashes like Kafka's Java client (Utils.murmur2 test vectors)", () => {
    const vectors: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ]
    for (const [key, hash] of vectors) {
      const bytes = Buffer.from(key)
      expect(murmur2(bytes, bytes.length), key).toBe(hash)
    }
  })

  it('puts every key where kafkajs’s DefaultPartitioner puts it: strings, UTF-8, buffers, long keys', () => {
    const random = createSeededRandom(20261126)
    const ours = Murmur2Partitioner()
    const theirs = Partitioners.DefaultPartitioner()
    for (let i = 0; i < 5_000; i++) {
      const length = Math.floor(random() * (i % 10 === 0 ? 400 : 40))
      const text = Array.from(
        { length },
        () => ALPHABET[Math.floor(random() * ALPHABET.length)]!,
      ).join('')
      const key = i % 3 === 0 ? Buffer.from(text) : text
      for (const count of [1, 3, 12, 50]) {
        const args = {
          topic: 't',
          partitionMetadata: partitions(count),
          message: { key, value: null },
        }
        expect(ours(args), `${JSON.stringify(text)} over ${count}`).toBe(theirs(args))
      }
    }
  })

  it('keeps an explicit partition, even on a keyed record', () => {
    const message: Message = { key: 'user-1', value: null, partition: 7 }
    expect(Murmur2Partitioner()({ topic: 't', partitionMetadata: partitions(12), message })).toBe(7)
  })

  it('regression: refuses a partition the topic does not have, which kafkajs would drop', () => {
    // A ledger record addressed to a partition missing from the metadata was grouped under it,
    // kafkajs's findLeaderForPartitions skipped that partition, and the transaction committed
    // without the record: the relay issued the key again later. Now the send fails.
    const partitioner = Murmur2Partitioner()
    for (const partition of [1, 5, -1, 0.5]) {
      const message: Message = { key: 'user-1', value: null, partition }
      expect(
        () => partitioner({ topic: 'ledger', partitionMetadata: partitions(1), message }),
        String(partition),
      ).toThrow(
        expect.objectContaining({
          code: 'KAFKA_PARTITION_MISSING',
          retriable: false,
          message: expect.stringContaining(
            `partition ${partition} of "ledger", which has 1 partition`,
          ),
        }),
      )
    }
  })

  it('spreads unkeyed records round robin over the partitions that have a leader', () => {
    const partitioner = Murmur2Partitioner()
    const metadata = partitions(4, [2])
    const chosen = Array.from({ length: 6 }, () =>
      partitioner({ topic: 't', partitionMetadata: metadata, message: { value: null } }),
    )
    expect(chosen).not.toContain(2)
    expect(new Set(chosen.slice(0, 3))).toEqual(new Set([0, 1, 3]))
    expect(chosen.slice(3)).toEqual(chosen.slice(0, 3))
  })
})
