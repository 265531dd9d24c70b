import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { IdleClientPool } from '../../src/moca/idle-client-pool.js'
import { requestText } from '../../src/moca/request-text.js'

interface Server {
  readonly origin: string
  /** Sockets that ever connected. */
  readonly sockets: Set<Socket>
  /** The most requests the server held open at once. */
  maxOpen: number
}

/** An HTTP server answering every request after `delayMs`, counting sockets and open requests. */
async function startServer(
  delayMs: number,
  onRequest?: (req: IncomingMessage, res: ServerResponse) => boolean,
): Promise<Server> {
  let open = 0
  const state = { sockets: new Set<Socket>(), maxOpen: 0 }
  const server = createServer((req, res) => {
    if (onRequest?.(req, res)) return
    open++
    state.maxOpen = Math.max(state.maxOpen, open)
    setTimeout(() => {
      open--
      res.end(`answer to ${req.url}`)
    }, delayMs)
  })
  server.on('connection', (socket) => state.sockets.add(socket))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  const { port } = server.address() as AddressInfo
  return Object.assign(state, { origin: `http://127.0.0.1:${port}` })
}

function poolFor(server: Server, connections: number): IdleClientPool {
  const pool = new IdleClientPool(server.origin, { connections })
  onTestFinished(() => pool.destroy())
  return pool
}

const get = (
  pool: IdleClientPool,
  path: string,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
) => requestText(pool, { origin: '', path, method: 'GET', headers }, 1024, signal)

/** Rejects after `ms`: a request left hanging fails its test at once, with a reason. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms).unref(),
    ),
  ])
}

/** An origin nobody listens on: a port just released. */
async function refusingOrigin(): Promise<string> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}

describe('the MocaChain connection pool', () => {
  it('opens at most `connections` sockets; the requests beyond them wait and all get their answer', async () => {
    const server = await startServer(20)
    const pool = poolFor(server, 3)
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => get(pool, `/${i}`)))

    expect(answers.map((a) => a.body.kind === 'text' && a.body.text)).toEqual(
      Array.from({ length: 12 }, (_, i) => `answer to /${i}`),
    )
    expect(server.sockets.size).toBe(3)
    expect(server.maxOpen).toBe(3)
  })

  it('reuses idle keep-alive sockets instead of opening more', async () => {
    const server = await startServer(0)
    const pool = poolFor(server, 8)
    for (let i = 0; i < 10; i++) await get(pool, `/${i}`)
    // as with undici's Pool: a socket whose answer was just read is idle again a moment later,
    // so the next request may take a second one, never more
    expect(server.sockets.size).toBeLessThanOrEqual(2)
  })

  it("refuses a handler of undici's legacy API (dispatcher.request) with what to use instead, rather than leave it waiting", async () => {
    const server = await startServer(0)
    const pool = poolFor(server, 1)
    await expect(within(2_000, pool.request({ path: '/', method: 'GET' }))).rejects.toThrow(
      /takes undici's handler API .* not the legacy one .*request-text/,
    )
    expect(server.sockets.size).toBe(0)
    const answer = await get(pool, '/after')
    expect(answer.statusCode).toBe(200)
  })

  it('keeps the slot of a request refused before it was sent (a bad header value)', async () => {
    const server = await startServer(0)
    const pool = poolFor(server, 1)
    await expect(get(pool, '/bad', { 'x-bad': 'a\r\nb' })).rejects.toThrow(/header/i)
    const answer = await get(pool, '/good')
    expect(answer.statusCode).toBe(200)
  })

  it('sends what waits behind a waiting request that the freed socket refused, and still closes', async () => {
    // The freed socket takes the oldest waiting request, refuses it (a bad header value) and is
    // idle again; the request behind it must go out on it, not wait for a drain that never comes.
    const server = await startServer(50)
    const pool = poolFor(server, 1)
    const calls = Promise.allSettled([
      get(pool, '/first'),
      get(pool, '/bad', { 'x-bad': 'a\r\nb' }),
      get(pool, '/after'),
    ])
    const settled = await within(2_000, calls)
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(String((settled[1] as PromiseRejectedResult).reason)).toMatch(/header/i)

    const waiting = Promise.allSettled([
      get(pool, '/1'),
      get(pool, '/bad', { 'x-bad': 'a\r\nb' }),
      get(pool, '/3'),
    ])
    await within(2_000, pool.close())
    expect((await waiting).map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
  })

  it('fails every waiting request when the origin refuses connections, and closes', async () => {
    const pool = new IdleClientPool(await refusingOrigin(), { connections: 2 })
    onTestFinished(() => pool.destroy())
    const settled = await within(
      3_000,
      Promise.allSettled(Array.from({ length: 7 }, (_, i) => get(pool, `/${i}`))),
    )
    expect(
      settled.map((s) => s.status === 'rejected' && (s.reason as { code?: string }).code),
    ).toEqual(Array(7).fill('ECONNREFUSED'))
    await within(2_000, pool.close())
  })

  it('reconnects, within the limit, after the server closed its idle keep-alive sockets', async () => {
    const server = await startServer(30)
    const pool = poolFor(server, 2)
    await Promise.all([get(pool, '/a'), get(pool, '/b')])
    for (const socket of server.sockets) socket.destroy()
    await new Promise((resolve) => setTimeout(resolve, 50))
    server.maxOpen = 0
    const answers = await within(
      3_000,
      Promise.all(Array.from({ length: 6 }, (_, i) => get(pool, `/${i}`))),
    )
    expect(answers.map((a) => a.statusCode)).toEqual(Array(6).fill(200))
    expect(server.maxOpen).toBe(2)
    expect(server.sockets.size).toBe(4)
  })

  it('fails a request aborted while it waits for a socket, and serves the next one', async () => {
    const server = await startServer(200)
    const pool = poolFor(server, 1)
    const running = get(pool, '/running')
    const abort = new AbortController()
    const aborted = get(pool, '/aborted', {}, abort.signal)
    const next = get(pool, '/next')
    setTimeout(() => abort.abort(), 20)
    await expect(within(2_000, aborted)).rejects.toMatchObject({ name: 'AbortError' })
    await expect(within(2_000, next)).resolves.toMatchObject({ statusCode: 200 })
    await expect(running).resolves.toMatchObject({ statusCode: 200 })
  })

  it('hands the next waiting request a socket after one was reset mid-request', async () => {
    const server = await startServer(0, (req) => {
      if (req.url !== '/reset') return false
      req.socket.destroy()
      return true
    })
    const pool = poolFor(server, 1)
    const [reset, after] = await Promise.allSettled([get(pool, '/reset'), get(pool, '/after')])
    expect(reset.status).toBe('rejected')
    expect(after).toMatchObject({ status: 'fulfilled', value: { statusCode: 200 } })
  })

  it('sends what waits before it closes, then refuses new requests', async () => {
    const server = await startServer(10)
    const pool = poolFor(server, 1)
    const calls = [get(pool, '/1'), get(pool, '/2'), get(pool, '/3')]
    await pool.close()
    expect((await Promise.all(calls)).map((a) => a.statusCode)).toEqual([200, 200, 200])
    await expect(get(pool, '/4')).rejects.toMatchObject({ code: 'UND_ERR_CLOSED' })
  })

  it('fails the requests still waiting for a socket when destroyed', async () => {
    const server = await startServer(1_000)
    const pool = poolFor(server, 1)
    const running = get(pool, '/running')
    const waiting = get(pool, '/waiting')
    await new Promise((resolve) => setTimeout(resolve, 50))
    const settled = Promise.allSettled([running, waiting])
    await pool.destroy(new Error('shutting down'))
    expect((await settled).map((s) => s.status === 'rejected' && String(s.reason))).toEqual([
      'Error: shutting down',
      'Error: shutting down',
    ])
  })
})
