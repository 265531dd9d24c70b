import { describe, expect, it } from 'vitest'
import {
  Http1ResponseParser,
  MAX_HEAD_BYTES,
  type ResponseHeaders,
} from '../../src/moca/http1-response-parser.js'

interface Parsed {
  status: number | null
  headers: ResponseHeaders
  body: string
  ended: { reusable: boolean; keepAliveHintMs: number | null } | null
}

/** A parser armed for one response to `method`, and what it reported. */
function parserFor(method = 'GET') {
  const parsed: Parsed = { status: null, headers: {}, body: '', ended: null }
  const parser = new Http1ResponseParser({
    onHead(status, headers) {
      parsed.status = status
      parsed.headers = headers
    },
    onBody(chunk) {
      parsed.body += chunk.toString('latin1')
    },
    onEnd(reusable, keepAliveHintMs) {
      parsed.ended = { reusable, keepAliveHintMs }
    },
  })
  parser.expect(method)
  return { parser, parsed }
}

/** Feeds `wire` in pieces of `size` bytes: a response must read the same however TCP cuts it. */
function feed(wire: string, size: number, method?: string) {
  const { parser, parsed } = parserFor(method)
  const bytes = Buffer.from(wire, 'latin1')
  for (let at = 0; at < bytes.length; at += size) parser.execute(bytes.subarray(at, at + size))
  return { parser, parsed }
}

const CHUNKED =
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n' +
  '5;ext=1\r\n{"a":\r\n' +
  'a\r\n"0123456"}\r\n' +
  '0\r\nX-Trailer: yes\r\n\r\n'

describe('Http1ResponseParser: framing', () => {
  it.each([1, 2, 3, 7, 1000])(
    'reads a Content-Length body the same in pieces of %i bytes',
    (size) => {
      const { parsed } = feed(
        'HTTP/1.1 201 Created\r\nContent-Length: 11\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n\r\nhello world',
        size,
      )
      expect(parsed).toEqual({
        status: 201,
        headers: { 'content-length': '11', 'set-cookie': ['a=1', 'b=2'] },
        body: 'hello world',
        ended: { reusable: true, keepAliveHintMs: null },
      })
    },
  )

  it.each([1, 4, 13, 1000])(
    'reads a chunked body with extensions and trailers in pieces of %i',
    (size) => {
      const { parsed } = feed(CHUNKED, size)
      expect(parsed.body).toBe('{"a":"0123456"}')
      expect(parsed.ended).toEqual({ reusable: true, keepAliveHintMs: null })
    },
  )

  it('reads a body without length until the server closes, and never reuses that connection', () => {
    const { parser, parsed } = feed('HTTP/1.1 200 OK\r\n\r\npart one, ', 1000)
    parser.execute(Buffer.from('part two'))
    expect(parsed.ended).toBeNull()
    parser.finish()
    expect(parsed.body).toBe('part one, part two')
    expect(parsed.ended).toEqual({ reusable: false, keepAliveHintMs: null })
  })

  it('reads a body framed by Transfer-Encoding without chunked until close', () => {
    const { parser, parsed } = feed('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxyz', 1000)
    parser.finish()
    expect(parsed.body).toBe('xyz')
    expect(parsed.ended?.reusable).toBe(false)
  })

  it.each([
    ['204', 'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n', 'GET'],
    ['304', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n', 'GET'],
    ['a HEAD request', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n', 'HEAD'],
  ])('reads no body for %s, whatever Content-Length says', (_what, wire, method) => {
    const { parsed } = feed(wire, 1000, method)
    expect(parsed.body).toBe('')
    expect(parsed.ended?.reusable).toBe(true)
  })

  it('skips informational responses and reports the final one', () => {
    const { parsed } = feed(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
      5,
    )
    expect(parsed).toMatchObject({ status: 200, body: 'ok', headers: { 'content-length': '2' } })
  })

  it('keeps headers named like Object members as headers (constructor, __proto__, toString)', () => {
    const { parsed } = feed(
      'HTTP/1.1 200 OK\r\nConstructor: a\r\n__proto__: b\r\ntoString: c\r\ntostring: d\r\nContent-Length: 2\r\n\r\n{}',
      1000,
    )
    expect(parsed.status).toBe(200)
    expect(parsed.body).toBe('{}')
    expect(Object.entries(parsed.headers)).toEqual([
      ['constructor', 'a'],
      ['__proto__', 'b'],
      ['tostring', ['c', 'd']],
      ['content-length', '2'],
    ])
  })

  it('accepts a Content-Length repeated with the same value', () => {
    const { parsed } = feed(
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok',
      1000,
    )
    expect(parsed.body).toBe('ok')
  })
})

describe('Http1ResponseParser: whether the connection carries another request', () => {
  it.each([
    [
      'HTTP/1.1 with Connection: close',
      'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
      false,
    ],
    ['HTTP/1.0 by default', 'HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n', false],
    [
      'HTTP/1.0 with Connection: keep-alive',
      'HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n',
      true,
    ],
    ['HTTP/1.1 by default', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', true],
  ])('%s', (_what, wire, reusable) => {
    expect(feed(wire, 1000).parsed.ended?.reusable).toBe(reusable)
  })

  it("reports the server's keep-alive timeout", () => {
    const { parsed } = feed(
      'HTTP/1.1 200 OK\r\nKeep-Alive: max=100, timeout=5\r\nContent-Length: 0\r\n\r\n',
      1000,
    )
    expect(parsed.ended).toEqual({ reusable: true, keepAliveHintMs: 5000 })
  })

  it('ends a response followed by bytes nobody asked for, and marks the connection unusable', () => {
    const { parsed } = feed(
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n',
      1000,
    )
    expect(parsed.body).toBe('ok')
    expect(parsed.ended?.reusable).toBe(false)
  })
})

describe('Http1ResponseParser: refusals', () => {
  it.each([
    [
      'both Content-Length and chunked',
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
      'HPE_UNEXPECTED_CONTENT_LENGTH',
    ],
    [
      'two different Content-Lengths',
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n',
      'HPE_INVALID_CONTENT_LENGTH',
    ],
    [
      'a Content-Length that is not a number',
      'HTTP/1.1 200 OK\r\nContent-Length: 3x\r\n\r\n',
      'HPE_INVALID_CONTENT_LENGTH',
    ],
    [
      'a folded header line',
      'HTTP/1.1 200 OK\r\nX-A: one\r\n two\r\nContent-Length: 0\r\n\r\n',
      'HPE_INVALID_HEADER_TOKEN',
    ],
    [
      'a header name with a space',
      'HTTP/1.1 200 OK\r\nX A: one\r\n\r\n',
      'HPE_INVALID_HEADER_TOKEN',
    ],
    ['a status line that is not HTTP/1.x', 'HTTP/2 200\r\n\r\n', 'HPE_INVALID_CONSTANT'],
    [
      'a protocol switch nobody asked for',
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n',
      'HPE_INVALID_STATUS',
    ],
    [
      'a chunk size that is not hex',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'HPE_INVALID_CHUNK_SIZE',
    ],
    [
      'a chunk not followed by CRLF',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n',
      'HPE_INVALID_CHUNK_SIZE',
    ],
  ])('refuses %s', (_what, wire, code) => {
    expect(() => feed(wire, 1000)).toThrow(expect.objectContaining({ code }))
  })

  it(`refuses a head over ${MAX_HEAD_BYTES} bytes, arriving whole or in pieces`, () => {
    const wire = `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(MAX_HEAD_BYTES)}\r\n\r\n`
    for (const size of [100_000, 1000]) {
      expect(() => feed(wire, size)).toThrow(
        expect.objectContaining({ code: 'UND_ERR_HEADERS_OVERFLOW' }),
      )
    }
  })

  it('fails a response the server cut short with undici\'s "other side closed"', () => {
    const { parser } = feed('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort', 1000)
    expect(() => parser.finish()).toThrow(expect.objectContaining({ code: 'UND_ERR_SOCKET' }))
  })

  it('refuses bytes on a connection with no request on it', () => {
    const { parser } = feed('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', 1000)
    expect(() => parser.execute(Buffer.from('HTTP/1.1 200 OK\r\n'))).toThrow(
      expect.objectContaining({ code: 'HPE_INVALID_CONSTANT' }),
    )
  })
})
