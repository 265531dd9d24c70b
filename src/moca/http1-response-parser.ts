import { errors } from 'undici'

/** Response headers as undici's handler API hands them over: lowercase names, repeats as arrays. */
export type ResponseHeaders = Record<string, string | string[]>

/** What a parser reports, in order: a head, its body in chunks, then the end. */
export interface ResponseSink {
  /** A final (≥ 200) status and its headers; informational ones are skipped. */
  onHead(statusCode: number, headers: ResponseHeaders, statusText: string): void
  onBody(chunk: Buffer): void
  /** The response ended; `reusable`: the connection may carry another request. */
  onEnd(reusable: boolean, keepAliveHintMs: number | null): void
}

/** The most bytes a response head may take, as Node's and undici's default (16 KiB). */
export const MAX_HEAD_BYTES = 16 * 1024

const enum State {
  Head,
  FixedBody,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  BodyUntilClose,
  Done,
}

const CR = 13
const LF = 10
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: ([^\r\n]*))?$/
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;.*)?$/
const CONTENT_LENGTH = /^\d{1,15}$/
const KEEP_ALIVE_TIMEOUT = /(?:^|[,;\s])timeout\s*=\s*(\d+)/i
// field values may hold visible ASCII, obs-text, spaces and tabs; never CR, LF or NUL
const BAD_VALUE_CHAR = /[\0\r\n]/

/**
 * An HTTP/1.1 response parser for one connection that carries one request at a time, strict
 * where leniency would let a response be read two ways (request smuggling: a Content-Length next
 * to chunked framing, two different lengths, folded header lines) and bounded (a 16 KiB head).
 * `expect(method)` arms it for the next response; `execute` takes the socket's bytes; `finish` says
 * the server closed. Errors are undici's HTTPParserError (code HPE_*), or its SocketError
 * "other side closed" when the socket ends inside a response.
 */
export class Http1ResponseParser {
  #state = State.Done
  /** The start of a head whose end has not arrived yet. */
  #pending: Buffer | null = null
  #ended = false
  #remaining = 0
  #line = ''
  #headRequest = false
  #reusable = false
  #keepAliveHintMs: number | null = null

  constructor(private readonly sink: ResponseSink) {}

  /** Ready for the response to a request of `method`. */
  expect(method: string): void {
    this.#state = State.Head
    this.#headRequest = method === 'HEAD'
    this.#pending = null
    this.#ended = false
  }

  /** True while a response is expected or being read. */
  get active(): boolean {
    return this.#state !== State.Done
  }

  execute(data: Buffer): void {
    let at = 0
    while (at < data.length) {
      if (this.#state === State.Done) {
        // bytes no request asked for: the server and we disagree on where a response ended.
        // After a whole response they cost only the connection; on an idle one, they are an error.
        if (!this.#ended) throw parseError('data after the end of the response', 'INVALID_CONSTANT')
        this.#reusable = false
        break
      }
      switch (this.#state) {
        case State.Head:
          at = this.#readHead(data, at)
          break
        case State.FixedBody:
        case State.ChunkData:
          at = this.#readCounted(data, at)
          break
        case State.ChunkSize:
        case State.ChunkDataEnd:
        case State.Trailers:
          at = this.#readLine(data, at)
          break
        case State.BodyUntilClose:
          this.sink.onBody(at === 0 ? data : data.subarray(at))
          at = data.length
          break
      }
    }
    // said only now, with every byte of the read accounted for: the connection may take the next
    // request as soon as it hears of the end
    if (this.#ended) {
      this.#ended = false
      this.sink.onEnd(this.#reusable, this.#keepAliveHintMs)
    }
  }

  /** The server closed its side: ends a body read until close, fails a response cut short. */
  finish(): void {
    if (this.#state === State.BodyUntilClose) {
      this.#state = State.Done
      this.sink.onEnd(false, null)
      return
    }
    if (this.#state !== State.Done) throw new errors.SocketError('other side closed')
  }

  #readHead(data: Buffer, from: number): number {
    const pending = this.#pending
    const bytes = pending === null ? data : Buffer.concat([pending, data.subarray(from)])
    const start = pending === null ? from : 0
    // the blank line may straddle two reads: look from a few bytes back into the earlier one
    const found = bytes.indexOf(
      '\r\n\r\n',
      pending === null ? from : Math.max(0, pending.length - 3),
    )
    if (found === -1 || found - start > MAX_HEAD_BYTES) {
      if (found !== -1 || bytes.length - start > MAX_HEAD_BYTES) throw headersOverflow()
      this.#pending = pending === null ? Buffer.from(data.subarray(from)) : bytes
      return data.length
    }
    this.#pending = null
    this.#parseHead(bytes.toString('latin1', start, found))
    return pending === null ? found + 4 : from + found + 4 - pending.length
  }

  #parseHead(head: string): void {
    const lines = head.split('\r\n')
    const status = STATUS_LINE.exec(lines[0] as string)
    if (status === null) throw parseError('not an HTTP/1.x status line', 'INVALID_CONSTANT')
    const minor = status[1] as string
    const statusCode = Number(status[2])
    if (statusCode < 100) throw parseError('status code below 100', 'INVALID_STATUS')
    // no prototype: a header named constructor or __proto__ is a header like any other
    const headers = Object.create(null) as ResponseHeaders
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string
      const colon = line.indexOf(':')
      const name = colon > 0 ? line.slice(0, colon) : ''
      // a line starting with white space folds onto the previous one: obsolete, and ambiguous
      if (!TOKEN.test(name)) throw parseError('malformed header line', 'INVALID_HEADER_TOKEN')
      const value = line.slice(colon + 1).trim()
      if (BAD_VALUE_CHAR.test(value)) throw parseError('bad header value', 'INVALID_HEADER_TOKEN')
      const key = name.toLowerCase()
      const seen = headers[key]
      if (seen === undefined) headers[key] = value
      else if (typeof seen === 'string') headers[key] = [seen, value]
      else seen.push(value)
    }
    if (statusCode < 200) {
      // 101 would hand the socket to another protocol we never asked for
      if (statusCode === 101) throw parseError('unexpected protocol upgrade', 'INVALID_STATUS')
      this.#state = State.Head // the final response follows
      return
    }
    const connection = lowerJoined(headers['connection'])
    this.#reusable =
      minor === '1' ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection)
    const hint = KEEP_ALIVE_TIMEOUT.exec(lowerJoined(headers['keep-alive']))
    this.#keepAliveHintMs = hint ? Number(hint[1]) * 1000 : null
    const framing = this.#framing(statusCode, headers)
    this.sink.onHead(statusCode, headers, status[3] ?? '')
    if (framing === 'none') this.#end()
    else if (framing === 'chunked') this.#state = State.ChunkSize
    else if (framing === 'close') this.#state = State.BodyUntilClose
    else if (framing === 0) this.#end()
    else {
      this.#remaining = framing
      this.#state = State.FixedBody
    }
  }

  /** How this response's body is delimited (RFC 9112 §6.3). */
  #framing(statusCode: number, headers: ResponseHeaders): 'none' | 'chunked' | 'close' | number {
    if (this.#headRequest || statusCode === 204 || statusCode === 304) return 'none'
    const te = headers['transfer-encoding']
    const cl = headers['content-length']
    if (te !== undefined) {
      // both framings at once is how responses get read two ways: refuse it
      if (cl !== undefined)
        throw parseError('Content-Length with Transfer-Encoding', 'UNEXPECTED_CONTENT_LENGTH')
      const codings = lowerJoined(te)
        .split(',')
        .map((coding) => coding.trim())
      if (codings[codings.length - 1] === 'chunked') return 'chunked'
      this.#reusable = false
      return 'close'
    }
    if (cl !== undefined) {
      const values = typeof cl === 'string' ? [cl] : cl
      const first = values[0] as string
      if (!CONTENT_LENGTH.test(first) || values.some((value) => value !== first)) {
        throw parseError('invalid Content-Length', 'INVALID_CONTENT_LENGTH')
      }
      return Number(first)
    }
    this.#reusable = false
    return 'close'
  }

  /** Up to `#remaining` bytes of body: at their end, the response or the chunk ends. */
  #readCounted(data: Buffer, from: number): number {
    const take = Math.min(this.#remaining, data.length - from)
    this.#remaining -= take
    this.sink.onBody(data.subarray(from, from + take))
    if (this.#remaining === 0) {
      if (this.#state === State.FixedBody) this.#end()
      else this.#state = State.ChunkDataEnd
    }
    return from + take
  }

  /** One line of the chunked framing: a chunk size, the CRLF after a chunk, or a trailer. */
  #readLine(data: Buffer, from: number): number {
    const lf = data.indexOf(LF, from)
    const upTo = lf === -1 ? data.length : lf
    this.#line += data.toString('latin1', from, upTo)
    if (this.#line.length > MAX_HEAD_BYTES)
      throw parseError('chunk line too long', 'INVALID_CHUNK_SIZE')
    if (lf === -1) return data.length
    let line = this.#line
    this.#line = ''
    if (line.charCodeAt(line.length - 1) !== CR) throw parseError('bare LF', 'LF_EXPECTED')
    line = line.slice(0, -1)
    if (this.#state === State.ChunkDataEnd) {
      if (line !== '') throw parseError('no CRLF after a chunk', 'INVALID_CHUNK_SIZE')
      this.#state = State.ChunkSize
    } else if (this.#state === State.ChunkSize) {
      const size = CHUNK_SIZE.exec(line)
      if (size === null) throw parseError('invalid chunk size', 'INVALID_CHUNK_SIZE')
      this.#remaining = parseInt(size[1] as string, 16)
      this.#state = this.#remaining === 0 ? State.Trailers : State.ChunkData
    } else if (line === '') {
      this.#end() // trailers are read and dropped: the relay needs none
    }
    return lf + 1
  }

  #end(): void {
    this.#state = State.Done
    this.#ended = true
  }
}

function lowerJoined(value: string | string[] | undefined): string {
  if (value === undefined) return ''
  return (typeof value === 'string' ? value : value.join(',')).toLowerCase()
}

/** As undici's parser reports them: an HTTPParserError whose code is llhttp's, HPE_*. */
function parseError(message: string, code: string): Error {
  const error = new Error(`invalid HTTP response: ${message}`)
  return Object.assign(error, { name: 'HTTPParserError', code: `HPE_${code}` })
}

function headersOverflow(): Error {
  return new errors.HeadersOverflowError()
}
