/**
 * CRC-32C (Castagnoli), the checksum of a Kafka record batch, over `bytes[start, end)`.
 *
 * kafkajs computes it one byte per table lookup. This reads eight bytes per step through eight
 * tables ("slicing-by-8", Intel's technique), the same checksum with a fraction of the steps: a
 * relay transaction checksums every byte it writes. test/kafka/crc32c.test.ts checks it against
 * kafkajs's own and the standard check value.
 */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = ~0
  let i = start
  const fast = end - ((end - start) & 7)
  while (i < fast) {
    const low =
      crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))
    crc =
      TABLES[7 * 256 + (low & 0xff)]! ^
      TABLES[6 * 256 + ((low >>> 8) & 0xff)]! ^
      TABLES[5 * 256 + ((low >>> 16) & 0xff)]! ^
      TABLES[4 * 256 + (low >>> 24)]! ^
      TABLES[3 * 256 + bytes[i + 4]!]! ^
      TABLES[2 * 256 + bytes[i + 5]!]! ^
      TABLES[256 + bytes[i + 6]!]! ^
      TABLES[bytes[i + 7]!]!
    i += 8
  }
  while (i < end) crc = TABLES[(crc ^ bytes[i++]!) & 0xff]! ^ (crc >>> 8)
  return ~crc >>> 0
}

/** Reflected polynomial of CRC-32C. */
const POLYNOMIAL = 0x82f63b78

/** Table k maps a byte to its CRC contribution k bytes further on (k = 0 is the classic table). */
const TABLES = buildTables()

function buildTables(): Int32Array {
  const tables = new Int32Array(8 * 256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1
    tables[n] = c
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) {
      const previous = tables[(k - 1) * 256 + n]!
      tables[k * 256 + n] = tables[previous & 0xff]! ^ (previous >>> 8)
    }
  }
  return tables
}
