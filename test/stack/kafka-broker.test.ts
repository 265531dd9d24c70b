import { describe, expect, it } from 'vitest'
import { newClusterId } from '../../src/stack/kafka-broker.js'

describe('newClusterId', () => {
  it('regression: never starts with "-", which StorageTool takes for an option', () => {
    // One `stack up` in 64 failed with "argument --cluster-id/-t: expected one argument":
    // base64url of a first byte 0xF8–0xFB starts with "-".
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x11)]
    const id = newClusterId(() => draws.shift() ?? Buffer.alloc(16, 0x22))
    expect(Buffer.alloc(16, 0xf8).toString('base64url').startsWith('-')).toBe(true)
    expect(id).toBe(Buffer.alloc(16, 0x11).toString('base64url'))
  })

  it('is a 22-character base64url id, different each time', () => {
    const ids = new Set(Array.from({ length: 200 }, () => newClusterId()))
    expect(ids.size).toBe(200)
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/)
  })
})
