import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { originalProduceRequest } from '../../src/kafka/kafkajs-produce-encoder-speedup.js'
import { originalFrameRequest } from '../../src/kafka/kafkajs-request-framing-speedup.js'
import { outputOfUntouchedKafkajs } from '../support/untouched-kafkajs.js'
import { encodeAll, relayTransactionArgs } from './fixtures/kafkajs-produce-requests.mjs'

const require = createRequire(import.meta.url)

describe('the kafkajs produce encoder speed-up', () => {
  it('is what kafkajs builds and frames its Produce requests with in this process', () => {
    const produce = require('kafkajs/src/protocol/requests/produce/v3/request.js') as unknown
    expect(produce).not.toBe(originalProduceRequest())
    const framing = require('kafkajs/src/protocol/request.js') as unknown
    expect(framing).not.toBe(originalFrameRequest())
  })

  it("encodes a relay transaction itself, into one buffer of the request's exact size", async () => {
    // kafkajs's Encoder grows by powers of two: a 260 KB request sits in a 512 KiB buffer
    type Produce = (args: Record<string, unknown>) => {
      encode: () => Promise<{ buf: Buffer; offset: number }>
    }
    const produce = require('kafkajs/src/protocol/requests/produce/v3/request.js') as Produce
    const encoded = await produce(relayTransactionArgs()).encode()
    expect(encoded.offset).toBeGreaterThan(200_000)
    expect(encoded.buf.length).toBe(encoded.offset)
  })

  it('writes the same bytes, or throws the same error, as kafkajs without it', async () => {
    // A fresh Node process loads kafkajs untouched: that is the reference.
    const original = await outputOfUntouchedKafkajs<Record<string, string>>(
      new URL('./fixtures/kafkajs-produce-requests.mjs', import.meta.url),
    )
    const fast = await encodeAll()
    expect(Object.keys(fast)).toEqual(Object.keys(original))
    for (const [name, hex] of Object.entries(fast)) expect(hex, name).toBe(original[name])
  })
})
