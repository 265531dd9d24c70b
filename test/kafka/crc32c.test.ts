import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { crc32c } from '../../src/kafka/crc32c.js'

const require = createRequire(import.meta.url)
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (
  bytes: Buffer,
) => number

describe('crc32c', () => {
  it('gives the standard check value of CRC-32C', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283)
    expect(crc32c(Buffer.alloc(0))).toBe(0)
  })

  it("agrees with kafkajs's checksum on every length and alignment", () => {
    for (let length = 0; length < 600; length++) {
      const bytes = randomBytes(length + 11)
      const start = length % 11
      expect(crc32c(bytes, start, start + length), `length ${length}`).toBe(
        kafkajsCrc32c(bytes.subarray(start, start + length)),
      )
    }
  })
})
