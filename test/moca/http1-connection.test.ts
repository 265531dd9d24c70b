import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import {
  createServer as createNetServer,
  type AddressInfo,
  type Server,
  type Socket,
} from 'node:net'
import type { TLSSocket } from 'node:tls'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { IdleClientPool, type IdleClientPoolOptions } from '../../src/moca/idle-client-pool.js'
import { requestTextOutcome, type TextOutcome } from '../../src/moca/request-text.js'

// A self-signed certificate for localhost and 127.0.0.1, valid until 2126; made for these tests
// with openssl (EC P-256), its key trusted nowhere else.
const fixture = (name: string) => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url))
const CERT = fixture('localhost-cert.pem')
const KEY = fixture('localhost-key.pem')

interface Started {
  readonly origin: string
  /** Sockets that ever connected. */
  readonly sockets: Socket[]
  /** For each TLS connection, whether it resumed an earlier session. */
  readonly resumed: boolean[]
  /** Request lines (or URLs) the server received. */
  readonly requests: string[]
}

async function listen(server: Server, protocol: 'http' | 'https'): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
        server.close(() => resolve())
      }),
  )
  return `${protocol}://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** A node:http (or https) server answering each request with `answer`. */
async function httpServer(
  answer: (req: IncomingMessage, res: ServerResponse) => void,
  tls = false,
): Promise<Started> {
  const state = { sockets: [] as Socket[], requests: [] as string[], resumed: [] as boolean[] }
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    state.requests.push(req.url ?? '')
    answer(req, res)
  }
  const server = tls
    ? createHttpsServer({ cert: CERT, key: KEY }, onRequest)
    : createServer(onRequest)
  server.on('connection', (socket: Socket) => state.sockets.push(socket))
  server.on('secureConnection', (socket: TLSSocket) => state.resumed.push(socket.isSessionReused()))
  return { ...state, origin: await listen(server, tls ? 'https' : 'http') }
}

/** A TCP server writing `reply` bytes for each request head it reads, by hand. */
async function scriptedServer(reply: (socket: Socket) => void): Promise<Started> {
  const state = { sockets: [] as Socket[], requests: [] as string[], resumed: [] }
  const server = createNetServer((socket) => {
    state.sockets.push(socket)
    socket.on('error', () => {})
    let seen = ''
    socket.on('data', (chunk) => {
      seen += chunk.toString('latin1')
      while (seen.includes('\r\n\r\n')) {
        const head = seen.slice(0, seen.indexOf('\r\n\r\n'))
        seen = seen.slice(head.length + 4)
        state.requests.push(head.split('\r\n')[0] as string)
        reply(socket)
      }
    })
  })
  return { ...state, origin: await listen(server, 'http') }
}

/** A TCP server keeping each request's bytes as they arrived (head and Content-Length body). */
async function capturingServer(): Promise<Started & { readonly received: Buffer[] }> {
  const received: Buffer[] = []
  const state = { sockets: [] as Socket[], requests: [] as string[], resumed: [] }
  const server = createNetServer((socket) => {
    state.sockets.push(socket)
    socket.on('error', () => {})
    let seen = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk])
      for (;;) {
        const end = seen.indexOf('\r\n\r\n')
        if (end < 0) return
        const length = /content-length: (\d+)/i.exec(seen.subarray(0, end).toString('latin1'))
        const total = end + 4 + Number(length?.[1] ?? 0)
        if (seen.length < total) return
        received.push(seen.subarray(0, total))
        seen = seen.subarray(total)
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok')
      }
    })
  })
  return { ...state, received, origin: await listen(server, 'http') }
}

function poolFor(origin: string, options: Partial<IdleClientPoolOptions> = {}): IdleClientPool {
  const pool = new IdleClientPool(origin, { connections: 4, ...options })
  onTestFinished(() => pool.destroy())
  return pool
}

function get(pool: IdleClientPool, path: string, headers: Record<string, string> = {}) {
  return requestTextOutcome(pool, { origin: '', path, method: 'GET', headers }, 4 << 20)
}

function textOf(outcome: TextOutcome): string {
  if (outcome.kind !== 'answered') throw outcome.error
  if (outcome.response.body.kind !== 'text') throw outcome.response.body.error
  return outcome.response.body.text
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('MocaChain connections: reading what servers send', () => {
  it('reads a chunked body and a 1 MiB body spread over many reads', async () => {
    const big = 'x'.repeat(1 << 20)
    const server = await httpServer((req, res) => {
      if (req.url === '/chunked') {
        res.write('{"a":')
        setTimeout(() => res.end('1}'), 5)
      } else {
        res.setHeader('content-length', big.length)
        res.end(big)
      }
    })
    const pool = poolFor(server.origin)
    expect(textOf(await get(pool, '/chunked'))).toBe('{"a":1}')
    expect(textOf(await get(pool, '/big'))).toBe(big)
  })

  it('reads a body without a length until the server closes, then opens a new connection', async () => {
    const server = await scriptedServer((socket) =>
      socket.end('HTTP/1.1 200 OK\r\n\r\nuntil close'),
    )
    const pool = poolFor(server.origin)
    expect(textOf(await get(pool, '/1'))).toBe('until close')
    expect(textOf(await get(pool, '/2'))).toBe('until close')
    expect(server.sockets).toHaveLength(2)
  })

  it('answers each request with its own response when a server sends bytes after one', async () => {
    // A response followed by stray bytes: the stray bytes must never be read as the next answer.
    let n = 0
    const server = await scriptedServer((socket) => {
      n++
      socket.write(
        `HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nr${n}HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstray`,
      )
    })
    const pool = poolFor(server.origin, { connections: 1 })
    expect(textOf(await get(pool, '/1'))).toBe('r1')
    expect(textOf(await get(pool, '/2'))).toBe('r2')
    expect(server.sockets).toHaveLength(2)
  })

  it('refuses a response framed two ways (Content-Length and chunked): the call may have landed', async () => {
    const server = await scriptedServer((socket) =>
      socket.write(
        'HTTP/1.1 200 OK\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      ),
    )
    const outcome = await get(poolFor(server.origin), '/smuggled')
    expect(outcome).toMatchObject({
      kind: 'unanswered',
      written: true,
      error: { code: 'HPE_UNEXPECTED_CONTENT_LENGTH' },
    })
  })

  it('sends nothing for a header value or path that would break the request line', async () => {
    const server = await httpServer((_req, res) => res.end('ok'))
    const pool = poolFor(server.origin, { connections: 1 })
    for (const outcome of [
      await get(pool, '/a', { 'x-injected': 'a\r\nx-evil: 1' }),
      await get(pool, '/a b HTTP/1.1\r\nx-evil: 1\r\n\r\nGET /'),
      await get(pool, '/a', { host: 'elsewhere.example' }),
    ]) {
      expect(outcome).toMatchObject({
        kind: 'unanswered',
        written: false,
        error: { code: 'UND_ERR_INVALID_ARG' },
      })
    }
    expect(textOf(await get(pool, '/fine'))).toBe('ok')
    expect(server.requests).toEqual(['/fine'])
  })
})

describe('MocaChain connections: the bytes on the wire', () => {
  it('writes header values as latin1 and a body as UTF-8, a string or a Buffer', async () => {
    const server = await capturingServer()
    const pool = poolFor(server.origin, { connections: 1 })
    const post = (headers: Record<string, string>, body: string | Buffer) =>
      requestTextOutcome(pool, { origin: '', path: '/p', method: 'POST', headers, body }, 1 << 20)
    const body = '{"name":"José ✓"}'
    for (const outcome of [
      await post({ 'x-a': 'plain' }, body),
      await post({ 'x-a': 'Zo\u00eb' }, body),
      await post({ 'x-a': 'plain' }, Buffer.from(body)),
    ]) {
      expect(textOf(outcome)).toBe('ok')
    }
    const utf8Body = Buffer.from(body, 'utf8')
    const expected = (headerValue: Buffer) =>
      Buffer.concat([
        Buffer.from('POST /p HTTP/1.1\r\nhost: ' + new URL(server.origin).host + '\r\nx-a: '),
        headerValue,
        Buffer.from(`\r\ncontent-length: ${utf8Body.length}\r\n\r\n`),
        utf8Body,
      ])
    expect(server.received).toEqual([
      expected(Buffer.from('plain')),
      expected(Buffer.from([0x5a, 0x6f, 0xeb])),
      expected(Buffer.from('plain')),
    ])
  })
})

describe('MocaChain connections: a socket the server closes after its answer', () => {
  it('sends the next request on a new socket, not on the one the server is closing', async () => {
    // A server closing keep-alive sockets right after an answer (a rollout, a drain) without
    // saying Connection: close. The request waiting behind the answer must not be written into
    // the closing socket: it would fail as "may have been applied" (UND_ERR_SOCKET).
    const server = await httpServer((req, res) => {
      res.end(`answer to ${req.url}`, () => req.socket.end())
    })
    const pool = poolFor(server.origin, { connections: 1 })
    const [a, b] = await Promise.all([get(pool, '/a'), get(pool, '/b')])
    expect([textOf(a), textOf(b)]).toEqual(['answer to /a', 'answer to /b'])
    expect(server.requests).toEqual(['/a', '/b'])
    expect(server.sockets).toHaveLength(2)
  })
})

describe('MocaChain connections: keep-alive', () => {
  it('does not reuse a connection idle past keepAliveTimeout', async () => {
    const server = await httpServer((_req, res) => res.end('ok'))
    const pool = poolFor(server.origin, { keepAliveTimeout: 50 })
    await get(pool, '/1')
    await wait(200)
    await get(pool, '/2')
    expect(server.sockets).toHaveLength(2)
    expect(server.sockets[0]?.destroyed).toBe(true)
  })

  it("closes a connection the server's Keep-Alive hint leaves no safe idle time on", async () => {
    // timeout=2 less undici's 2 s margin: the server may close it any moment, so the relay does
    const server = await httpServer((_req, res) => {
      res.setHeader('keep-alive', 'timeout=2')
      res.end('ok')
    })
    const pool = poolFor(server.origin, { keepAliveTimeout: 60_000 })
    await get(pool, '/1')
    await get(pool, '/2')
    expect(server.sockets).toHaveLength(2)
  })

  it('keeps a connection for the next request within the keep-alive time', async () => {
    const server = await httpServer((_req, res) => res.end('ok'))
    const pool = poolFor(server.origin, { connections: 1, keepAliveTimeout: 60_000 })
    for (let i = 0; i < 5; i++) await get(pool, `/${i}`)
    expect(server.sockets).toHaveLength(1)
  })
})

describe('MocaChain connections: timeouts and shutdown', () => {
  it('does not time out a call when the wall clock jumps forward (deadlines are monotonic)', async () => {
    const server = await httpServer((_req, res) => setTimeout(() => res.end('late'), 200))
    // a 10 ms keep-alive makes the pool check deadlines every 5 ms
    const pool = poolFor(server.origin, { headersTimeout: 60_000, keepAliveTimeout: 10 })
    const answer = get(pool, '/slow')
    await wait(20)
    const realNow = Date.now()
    const jumped = vi.spyOn(Date, 'now').mockImplementation(() => realNow + 3_600_000)
    onTestFinished(() => jumped.mockRestore())
    expect(textOf(await answer)).toBe('late')
  })

  it('resolves close() and destroy() both, called one after the other with a call in flight', async () => {
    const server = await httpServer((_req, res) => setTimeout(() => res.end('ok'), 100))
    const pool = poolFor(server.origin)
    const call = get(pool, '/in-flight')
    await wait(20)
    const closed = pool.close()
    const destroyed = pool.destroy(new Error('shutting down'))
    const settled = await Promise.race([
      Promise.all([closed, destroyed]).then(() => 'both settled'),
      wait(3_000).then(() => 'still pending'),
    ])
    expect(settled).toBe('both settled')
    expect(await call).toMatchObject({ kind: 'unanswered', error: { message: 'shutting down' } })
  })
})

describe('MocaChain connections: TLS and connecting', () => {
  it('speaks https to a server it trusts, and resumes the TLS session on a new connection', async () => {
    const server = await httpServer((_req, res) => {
      res.setHeader('connection', 'close')
      res.end('secure')
    }, true)
    const pool = poolFor(server.origin, { connect: { ca: CERT } })
    expect(textOf(await get(pool, '/1'))).toBe('secure')
    expect(textOf(await get(pool, '/2'))).toBe('secure')
    expect(server.resumed).toEqual([false, true])
  })

  it('refuses a certificate it does not trust before sending anything', async () => {
    const server = await httpServer((_req, res) => res.end('secure'), true)
    const outcome = await get(poolFor(server.origin), '/1')
    expect(outcome).toMatchObject({
      kind: 'unanswered',
      written: false,
      error: { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
    })
    expect(server.requests).toEqual([])
  })

  it('times out a TLS handshake that never completes, with nothing sent', async () => {
    const silent = createNetServer((socket) => socket.on('error', () => {}).resume())
    const origin = (await listen(silent, 'http')).replace('http:', 'https:')
    const outcome = await get(poolFor(origin, { connect: { timeout: 100 } }), '/1')
    expect(outcome).toMatchObject({
      kind: 'unanswered',
      written: false,
      error: { code: 'UND_ERR_CONNECT_TIMEOUT' },
    })
  })
})
