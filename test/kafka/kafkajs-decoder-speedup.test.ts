import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { originalRecordDecoder } from '../../src/kafka/kafkajs-decoder-speedup.js'
import { outputOfUntouchedKafkajs } from '../support/untouched-kafkajs.js'
import { decodeAll } from './fixtures/kafkajs-record-batches.mjs'

const require = createRequire(import.meta.url)

describe('the kafkajs decoder speed-up', () => {
  it('is what kafkajs decodes records with in this process', () => {
    const current: unknown = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js')
    expect(current).not.toBe(originalRecordDecoder())
  })

  it('decodes what kafkajs without it decodes: offsets past 2^53, negative and huge timestamps, repeated and hostile headers', async () => {
    // A fresh Node process loads kafkajs untouched: that is the reference.
    const original = await outputOfUntouchedKafkajs<unknown[]>(
      new URL('./fixtures/kafkajs-record-batches.mjs', import.meta.url),
    )
    const fast = await decodeAll()
    expect(fast).toHaveLength(original.length)
    for (const [i, record] of fast.entries()) expect(record, `record ${i}`).toEqual(original[i])
  })
})
