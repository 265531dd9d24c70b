/**
 * An Avro long as a Java producer writes it (zigzag varint), for values avsc refuses to encode:
 * beyond ±2^52 it will not write a JavaScript number.
 */
export function avroLong(n: bigint): Buffer {
  let z = n >= 0n ? n << 1n : (-n << 1n) - 1n
  const bytes: number[] = []
  while (z > 0x7fn) {
    bytes.push(Number(z & 0x7fn) | 0x80)
    z >>= 7n
  }
  bytes.push(Number(z))
  return Buffer.from(bytes)
}
