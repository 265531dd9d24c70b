import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { originalRecordDecoder } from '../../src/kafka/kafkajs-decoder-speedup.js'
import { decodeAll } from './fixtures/kafkajs-record-batches.mjs'

const require = createRequire(import.meta.url)
const fixture = fileURLToPath(new URL('./fixtures/kafkajs-record-batches.mjs', import.meta.url))

describe('the kafkajs decoder speed-up', () => {
  it('is what kafkajs decodes records with in this process', () => {
    const current: unknown = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js')
    expect(current).not.toBe(originalRecordDecoder())
  })

  it('decodes what kafkajs without it decodes: offsets past 2^53, negative and huge timestamps, repeated and hostile headers', async () => {
    // A fresh Node process loads kafkajs untouched: that is the reference.
    const { stdout } = await promisify(execFile)(process.execPath, [fixture], {
      maxBuffer: 64 * 1024 * 1024,
    })
    const original = JSON.parse(stdout) as unknown[]
    const fast = await decodeAll()
    expect(fast).toHaveLength(original.length)
    for (const [i, record] of fast.entries()) expect(record, `record ${i}`).toEqual(original[i])
  })
})
