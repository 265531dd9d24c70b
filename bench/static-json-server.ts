import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Serves one JSON document on 127.0.0.1, port 0: the partner's JWKS endpoint in the bench. */
export async function startStaticJsonServer(
  document: unknown,
): Promise<{ readonly url: string; close(): Promise<void> }> {
  const body = JSON.stringify(document)
  const server = createServer((req, res) => {
    req.resume()
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
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
