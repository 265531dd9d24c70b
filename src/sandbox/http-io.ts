import type { IncomingMessage, ServerResponse } from 'node:http'

/** Issue bodies are a few hundred bytes; a megabyte is a client bug or an attack. */
export const MAX_REQUEST_BYTES = 1024 * 1024

export class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge'
}

/** Past this much, a body too large is cut off with the socket instead of drained for the 413. */
const MAX_DRAINED_BYTES = 16 * MAX_REQUEST_BYTES

/**
 * Reads the whole request body (consuming it keeps the keep-alive socket usable). A body over
 * MAX_REQUEST_BYTES is drained unread and rejects with BodyTooLarge at its end, so the client,
 * done sending, reads its 413 (a client still sending sees a reset when the socket goes).
 */
export function readRequestBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] | null = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_DRAINED_BYTES) {
        reject(new BodyTooLarge())
        req.destroy()
      } else if (size > MAX_REQUEST_BYTES) {
        chunks = null
      } else {
        chunks?.push(chunk)
      }
    })
    req.on('end', () => {
      if (chunks === null) return reject(new BodyTooLarge())
      resolve(
        chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'),
      )
    })
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
