import { randomInt } from 'node:crypto'
import type { ICustomPartitioner, PartitionerArgs } from 'kafkajs'
import { RelayError } from '../errors/relay-error.js'

/**
 * Kafka's default partitioner for keyed records (Java's `Utils.murmur2` of the key bytes, made
 * positive, modulo the partition count), record for record the same choice as kafkajs's
 * `Partitioners.DefaultPartitioner`, which the relay used before and whose mapping its outputs
 * must keep: a key that moved partition would lose its order across an upgrade.
 *
 * kafkajs computes the hash with a 64-bit `Long` object per arithmetic step and filters the
 * partition list for every record, even one whose partition is given; the V8 heap profile of
 * `npm run bench` put ≈ 15% of the relay's allocations there. This one is 32-bit integer math,
 * like Java's, and reads string keys through one scratch buffer.
 *
 * A record given a partition the topic does not have (in the producer's metadata) is refused with
 * KAFKA_PARTITION_MISSING. kafkajs would drop it without a word: its producer asks
 * `cluster.findLeaderForPartitions` for the leaders of the partitions it grouped the records by,
 * and that skips a partition missing from the metadata, so no request carries its records and
 * the send, and the transaction around it, succeed. A ledger record lost that way let the relay
 * issue a key twice.
 */
export const Murmur2Partitioner: ICustomPartitioner = () => {
  const roundRobin = new Map<string, number>()
  return ({ topic, partitionMetadata, message }: PartitionerArgs): number => {
    const count = partitionMetadata.length
    const given = message.partition
    if (given !== undefined && given !== null) {
      // Kafka numbers a topic's partitions 0…count-1, and the metadata lists every one of them.
      if (Number.isInteger(given) && given >= 0 && given < count) return given
      throw partitionMissing(topic, given, count)
    }
    const { key } = message
    if (key !== undefined && key !== null) return toPositive(murmur2Key(key)) % count
    // Unkeyed: round robin over the partitions that have a leader, from a random start per topic.
    const next = (roundRobin.get(topic) ?? randomInt(2 ** 31)) + 1
    roundRobin.set(topic, next)
    const available = partitionMetadata.filter((p) => p.leader >= 0)
    if (available.length === 0) return toPositive(next) % count
    return available[toPositive(next) % available.length]!.partitionId
  }
}

function partitionMissing(topic: string, partition: number, count: number): RelayError {
  const err = new RelayError(
    'KAFKA_PARTITION_MISSING',
    `a record for partition ${partition} of "${topic}", which has ${count} partition${count === 1 ? '' : 's'} (as this producer last read the metadata): kafkajs would have dropped it`,
    { classification: 'systemic' },
  )
  // kafkajs retries an error unless it says otherwise, and the relay's producers retry forever:
  // the metadata is no fresher on the next attempt, so the send fails at once.
  return Object.assign(err, { retriable: false })
}

const SEED = 0x9747b28c
const M = 0x5bd1e995
const SCRATCH = Buffer.allocUnsafe(256)

function toPositive(x: number): number {
  return x & 0x7fffffff
}

function murmur2Key(key: Buffer | string): number {
  if (Buffer.isBuffer(key)) return murmur2(key, key.length)
  const text = String(key)
  if (text.length * 3 <= SCRATCH.length) return murmur2(SCRATCH, SCRATCH.write(text))
  const bytes = Buffer.from(text)
  return murmur2(bytes, bytes.length)
}

/** Kafka's `Utils.murmur2` over the first `length` bytes of `data`, as a signed 32-bit int. */
export function murmur2(data: Uint8Array, length: number): number {
  let h = SEED ^ length
  const whole = length & ~3
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)
    k = Math.imul(k, M)
    k ^= k >>> 24
    k = Math.imul(k, M)
    h = Math.imul(h, M) ^ k
  }
  const rest = length & 3
  if (rest > 0) {
    if (rest === 3) h ^= data[whole + 2]! << 16
    if (rest >= 2) h ^= data[whole + 1]! << 8
    h ^= data[whole]!
    h = Math.imul(h, M)
  }
  h ^= h >>> 13
  h = Math.imul(h, M)
  h ^= h >>> 15
  return h | 0
}
