import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { originalEncoder } from '../../src/kafka/kafkajs-encoder-speedup.js'
import { outputOfUntouchedKafkajs } from '../support/untouched-kafkajs.js'
import { encodeAll } from './fixtures/kafkajs-requests.mjs'

const require = createRequire(import.meta.url)

describe('the kafkajs encoder speed-up', () => {
  it('is what kafkajs encodes with in this process', () => {
    const current = require('kafkajs/src/protocol/encoder.js') as { new (): { buf: Buffer } }
    expect(current).not.toBe(originalEncoder())
    expect(new current().buf.length).toBe(128)
  })

  it('writes the same bytes as kafkajs without it: records, headers, varints, growth past the pool', async () => {
    // A fresh Node process loads kafkajs untouched: that is the reference.
    const original = await outputOfUntouchedKafkajs<string[]>(
      new URL('./fixtures/kafkajs-requests.mjs', import.meta.url),
    )
    const fast = await encodeAll()
    expect(fast).toHaveLength(original.length)
    for (const [i, hex] of fast.entries()) expect(hex, `request ${i}`).toBe(original[i])
  })
})
