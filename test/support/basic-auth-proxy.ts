import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { buffer } from 'node:stream/consumers'
import { onTestFinished } from 'vitest'

export interface BasicAuthProxy {
  /** The proxy's base URL: the upstream URL's path under this origin. */
  readonly url: string
  /** Requests it refused (no or wrong credentials) and passed on. */
  readonly counts: { refused: number; passed: number }
}

/**
 * An HTTP proxy that answers 401 unless the request carries HTTP Basic `username:password`, and
 * forwards the rest to `upstream` (a registry as Confluent Cloud serves one: the same API behind
 * an API key). Closed when the test ends.
 */
export async function startBasicAuthProxy(
  upstream: string,
  username: string,
  password: string,
): Promise<BasicAuthProxy> {
  const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`
  const target = new URL(upstream)
  const counts = { refused: 0, passed: 0 }
  const server = createServer((req, res) => {
    void (async () => {
      if (req.headers.authorization !== expected) {
        counts.refused++
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic' })
        res.end(JSON.stringify({ error_code: 401, message: 'Unauthorized' }))
        return
      }
      counts.passed++
      const body = await buffer(req)
      const forwarded = await fetch(`${target.origin}${req.url ?? '/'}`, {
        method: req.method ?? 'GET',
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
        ...(body.length > 0 ? { body } : {}),
      })
      res.writeHead(forwarded.status, {
        'content-type': forwarded.headers.get('content-type') ?? 'application/json',
      })
      res.end(Buffer.from(await forwarded.arrayBuffer()))
    })().catch((err: unknown) => {
      res.writeHead(502)
      res.end(String(err))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}${target.pathname.replace(/\/$/, '')}`, counts }
}
