import { describe, expect, it } from 'vitest'
import type { RelayError } from '../../src/errors/relay-error.js'
import { createInputDecoder } from '../../src/kafka/input-decoder.js'

/**
 * The failure: a binary-mode record with `content-type: application/json; charset=iso-8859-1`
 * was decoded as UTF-8 (mediaTypeOf drops parameters): the producer's declaration was ignored,
 * and its error, if any, spoke of invalid UTF-8 instead of the charset it had declared.
 */
const decoder = createInputDecoder({ registry: null, maxRecordBytes: 1_000_000 })
const BINARY = { ce_specversion: '1.0', ce_id: 'e1', ce_type: 't', ce_source: '/s' }

function decode(value: Buffer, contentType: string) {
  return decoder.decode({
    topic: 't',
    partition: 0,
    offset: '0',
    key: null,
    value,
    headers: { ...BINARY, 'content-type': contentType },
    timestamp: '0',
  })
}

describe('decoding, a content type that declares a charset', () => {
  it('fails a charset other than UTF-8 as INPUT_UNDECODABLE, naming it', async () => {
    // {"name":"José"} in ISO-8859-1 (é is 0xE9).
    const latin1 = Buffer.from('{"name":"Jos\u00e9"}', 'latin1')
    const err = (await decode(latin1, 'application/json; charset=iso-8859-1').catch(
      (e: unknown) => e,
    )) as RelayError
    expect(err.code).toBe('INPUT_UNDECODABLE')
    expect(err.message).toContain('declares charset "iso-8859-1"')
    expect(err.message).toContain('send UTF-8')
  })

  it.each([
    'application/json; charset=utf-8',
    'application/json; Charset="UTF-8"',
    'application/json',
  ])('reads %s as UTF-8, as before', async (contentType) => {
    const event = await decode(Buffer.from('{"name":"Jos\u00e9"}'), contentType)
    expect(event.data).toEqual({ name: 'Jos\u00e9' })
  })
})
