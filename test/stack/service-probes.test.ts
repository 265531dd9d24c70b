import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { probeKafka } from '../../src/stack/kafka-metadata-probe.js'
import { canListen, isPortOpen } from '../../src/stack/port-probe.js'
import { probeRegistry } from '../../src/stack/registry-probe.js'
import { findFreePort } from '../support/free-port.js'

/**
 * The probes decide between "reuse", "start" and "port busy", so each must recognise other
 * programs on the port. The Kafka and Apicurio cases run against the real services in
 * test/integration/local-stack.test.ts.
 */

async function listen<T extends Server | HttpServer>(server: T): Promise<number> {
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        if ('closeAllConnections' in server) server.closeAllConnections()
      }),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

function httpServer(status: number, body: string): HttpServer {
  return createHttpServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(body)
  })
}

/** Accepts connections and reads, but never says a word, like a stuck process. */
function silentServer(): Server {
  // resume(): read and drop, so the socket notices the client closing and server.close() ends
  return createTcpServer((socket) => socket.resume())
}

describe('probeKafka', () => {
  it('reports a closed port as closed', async () => {
    const port = await findFreePort()
    expect(await probeKafka({ host: '127.0.0.1', port }, 1000)).toEqual({ kind: 'closed' })
  })

  it('reports an HTTP server as some other program', async () => {
    const port = await listen(httpServer(404, '{}'))
    expect(await probeKafka({ host: '127.0.0.1', port }, 1000)).toMatchObject({ kind: 'other' })
  })

  it('reports a server that accepts but never answers as some other program', async () => {
    const port = await listen(silentServer())
    expect(await probeKafka({ host: '127.0.0.1', port }, 300)).toMatchObject({
      kind: 'other',
      detail: expect.stringContaining('does not answer Kafka requests') as unknown,
    })
  })
})

describe('probeRegistry', () => {
  it('recognises a Confluent-API registry by its subject list', async () => {
    const port = await listen(httpServer(200, '["a-value"]'))
    expect(await probeRegistry(`http://127.0.0.1:${port}/apis/ccompat/v7`, 1000)).toEqual({
      kind: 'registry',
    })
  })

  it('reports another HTTP service on the port as some other program', async () => {
    const port = await listen(httpServer(404, '{"error":"no"}'))
    expect(await probeRegistry(`http://127.0.0.1:${port}/apis/ccompat/v7`, 1000)).toMatchObject({
      kind: 'other',
      detail: expect.stringContaining('HTTP 404') as unknown,
    })
  })

  it('reports a closed port as closed', async () => {
    const port = await findFreePort()
    expect(await probeRegistry(`http://127.0.0.1:${port}/apis/ccompat/v7`, 1000)).toEqual({
      kind: 'closed',
    })
  })

  it('reports a host name that does not resolve as closed, not as some other program', async () => {
    const port = await findFreePort()
    expect(
      await probeRegistry(`http://no-such-host.invalid:${port}/apis/ccompat/v7`, 1000),
    ).toEqual({ kind: 'closed' })
  })
})

describe('port checks', () => {
  it('sees a listening port as open and not bindable, a free one the other way round', async () => {
    const busy = await listen(silentServer())
    const free = await findFreePort()
    expect(await isPortOpen({ host: '127.0.0.1', port: busy }, 500)).toBe(true)
    expect(await canListen({ host: '127.0.0.1', port: busy })).toEqual({
      ok: false,
      code: 'EADDRINUSE',
    })
    expect(await isPortOpen({ host: '127.0.0.1', port: free }, 500)).toBe(false)
    expect(await canListen({ host: '127.0.0.1', port: free })).toEqual({ ok: true })
  })

  it('tells a host this machine does not have from a busy port', async () => {
    const port = await findFreePort()
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737), never an address of a real machine
    expect(await canListen({ host: '192.0.2.1', port })).toEqual({
      ok: false,
      code: 'EADDRNOTAVAIL',
    })
    expect(await canListen({ host: 'no-such-host.invalid', port })).toMatchObject({
      ok: false,
      code: expect.stringMatching(/^(ENOTFOUND|EAI_AGAIN)$/) as unknown,
    })
  })
})
