import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface JwksServer {
  /** Where the JWKS is served, e.g. http://127.0.0.1:54321/.well-known/jwks.json */
  readonly url: string
  /** Replaces the document served from the next request on (rotation, private members…). */
  serve(document: unknown): void
  /** Answers every request with this HTTP status instead (an unreachable-ish JWKS). */
  failWith(status: number | null): void
  readonly requests: number
  close(): Promise<void>
}

/** A partner's JWKS endpoint: a real HTTP server on port 0, as MocaChain would fetch it. */
export async function startJwksServer(initial: unknown): Promise<JwksServer> {
  let document = initial
  let failure: number | null = null
  let requests = 0
  const server = createServer((req, res) => {
    requests += 1
    req.resume()
    if (failure !== null) {
      res.writeHead(failure, { 'content-type': 'text/plain' }).end('unavailable')
      return
    }
    const body = JSON.stringify(document)
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    })
    res.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    serve(next) {
      document = next
    },
    failWith(status) {
      failure = status
    },
    get requests() {
      return requests
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}
