import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { request } from 'undici'
import { onTestFinished } from 'vitest'

/** A throwaway HTTP server on port 0 that answers as the test says: a gateway gone wrong. */
export async function startScriptedServer(
  handler: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<{
  readonly baseUrl: string
  readonly requests: { headers: IncomingMessage['headers']; body: string }[]
}> {
  const requests: { headers: IncomingMessage['headers']; body: string }[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      requests.push({ headers: req.headers, body })
      handler(req, res, body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  )
  const { port } = server.address() as AddressInfo
  return { baseUrl: `http://127.0.0.1:${port}/v1`, requests }
}

/** One raw HTTP call (no MocaClient), for tests that look at the sandbox's own answers. */
export async function rawCall(
  url: string,
  options: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: unknown } = {},
): Promise<{
  status: number
  headers: Record<string, string | string[] | undefined>
  json: unknown
  text: string
}> {
  const res = await request(url, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    body:
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body),
  })
  const text = await res.body.text()
  let json: unknown = undefined
  try {
    json = JSON.parse(text)
  } catch {
    // not JSON: the test reads `text`
  }
  return { status: res.statusCode, headers: res.headers, json, text }
}
