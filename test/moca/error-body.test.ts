import { describe, expect, it } from 'vitest'
import { extractMocaMessage, MAX_MOCA_MESSAGE_CHARS } from '../../src/moca/error-body.js'

describe('extractMocaMessage', () => {
  it.each([
    [
      'the documented body',
      JSON.stringify({ error: 400, message: 'Missing required field: issuerDid' }),
      'Missing required field: issuerDid',
    ],
    [
      'a data wrapper',
      JSON.stringify({ data: { error: 409, message: 'Consent rejected by user.' } }),
      'Consent rejected by user.',
    ],
    ['the Catalog envelope', JSON.stringify({ code: 80000001, msg: 'bad', data: null }), 'bad'],
    [
      'an nginx page',
      '<html><head><title>502 Bad Gateway</title></head><body>…</body></html>',
      '502 Bad Gateway',
    ],
    [
      'HTML without a title',
      '<!DOCTYPE html><html><body><h1>Down</h1><p>for maintenance</p></body></html>',
      'Down for maintenance',
    ],
    ['plain text', 'upstream request timeout\n', 'upstream request timeout'],
    ['JSON without a message', JSON.stringify({ error: 500 }), '{"error":500}'],
  ])('reads %s', (_what, body, message) => {
    expect(extractMocaMessage(body)).toBe(message)
  })

  it('returns null for an empty body', () => {
    expect(extractMocaMessage('  ')).toBeNull()
  })

  it('scrubs anything that looks like a JWT and control characters', () => {
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJlbWFpbCI6ImFAYi5jIn0.c2lnbmF0dXJl'
    expect(extractMocaMessage(`rejected ${jwt}\r\nfake: log line`)).toBe(
      'rejected [jwt] fake: log line',
    )
  })

  it('replaces terminal escapes and NUL bytes, which could forge or hide log lines', () => {
    expect(extractMocaMessage('denied\u001b[2K\u001b[1Aforged\u0000 line')).toBe(
      'denied [2K [1Aforged line',
    )
  })

  it('drops the scripts and styles of a gateway page without a title', () => {
    const page =
      '<html><head><style>body { color: red }</style><script>var retry = 1</script></head>' +
      '<body><h1>Down</h1></body></html>'
    expect(extractMocaMessage(page)).toBe('Down')
  })

  it('keeps messages short', () => {
    expect(extractMocaMessage('y'.repeat(5_000))?.length).toBe(MAX_MOCA_MESSAGE_CHARS)
  })
})
