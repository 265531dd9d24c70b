import type { IncomingMessage, ServerResponse } from 'node:http'

/** Issue bodies are a few hundred bytes; a megabyte is a client bug or an attack. */
export const MAX_REQUEST_BYTES = 1024 * 1024

export class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge'
}

/** Reads the whole request body (consuming it keeps the keep-alive socket usable). */
export function readRequestBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_REQUEST_BYTES) {
        reject(new BodyTooLarge())
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () =>
      resolve(
        chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'),
      ),
    )
    req.on('error', reject)
  })
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  })
  res.end(text)
}

export function sendText(
  res: ServerResponse,
  status: number,
  contentType: string,
  text: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    ...headers,
  })
  res.end(text)
}

/** MocaChain's documented error body, plus the sandbox's own `reason` when it has one. */
export function sendMocaError(
  res: ServerResponse,
  status: number,
  message: string,
  options: { readonly reason?: string; readonly headers?: Readonly<Record<string, string>> } = {},
): void {
  const body =
    options.reason === undefined
      ? { error: status, message }
      : { error: status, message, reason: options.reason }
  sendJson(res, status, body, options.headers)
}
