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
