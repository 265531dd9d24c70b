import { describe, expect, it } from 'vitest'
import { parseJsonBytes } from '../../src/kafka/json-value.js'

describe('parseJsonBytes offsets after a header', () => {
  // The JSON payload after a 5-byte schema-registry header was reported "not valid JSON at byte
  // 24" for a 19-byte payload: the offset was the record value's, the sentence named the payload.
  const where = { what: 'the JSON payload after the 5-byte header', byteOffset: 5 }

  it('says a JSON offset is a byte of the record value', () => {
    expect(() => parseJsonBytes(Buffer.from('{"eventId":"evt-1",'), where)).toThrow(
      'is not valid JSON at byte 24 of the record value: unexpected end of input',
    )
  })

  it('says a UTF-8 offset is a byte of the record value', () => {
    expect(() => parseJsonBytes(Buffer.from([0x7b, 0x22, 0xc0, 0x80]), where)).toThrow(
      'is not valid UTF-8 at byte 7 of the record value: 0xC0 starts an overlong encoding',
    )
  })

  it('keeps plain offsets for bytes that are the whole value', () => {
    expect(() => parseJsonBytes(Buffer.from('{"a":1,}'), { what: 'the record value' })).toThrow(
      /is not valid JSON at byte 7: /,
    )
  })
})

describe('parseJsonBytes syntax-error excerpts', () => {
  const where = { what: 'the record value' }

  it('masks an email the 40-character excerpt would cut in half', () => {
    for (const value of [
      '{"a":1 "e":"john.smith@example.org"}',
      '{"e":"john.smith@example.org" "a":1}',
      '{"e":"john.smith@example.org",  "a":1 "b":2}',
    ]) {
      const err = (() => {
        try {
          parseJsonBytes(Buffer.from(value), where)
        } catch (e) {
          return e as Error
        }
        throw new Error('parsed')
      })()
      expect(err.message, value).toMatch(/is not valid JSON at byte \d+: /)
      expect(err.message, value).not.toMatch(/ohn|smith|@exam(?!ple\.org)/)
    }
  })

  it('leaves out a run around the error too long to be an address', () => {
    const value = `{"e":"${'x'.repeat(1000)}@example.org" "a":1}`
    expect(() => parseJsonBytes(Buffer.from(value), where)).toThrow(/is not valid JSON at byte/)
    expect(() => parseJsonBytes(Buffer.from(value), where)).not.toThrow(/x@example/)
  })
})
