/**
 * Reads a response body as UTF-8 text, up to `maxBytes`. Always consumes the body (or destroys it
 * when it is too long), so the socket goes back to the pool or is closed, never leaked.
 */
export async function readBodyText(
  body: AsyncIterable<Buffer | Uint8Array>,
  maxBytes: number,
): Promise<{ readonly text: string; readonly truncated: boolean }> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)
    if (size + buf.length > maxBytes) {
      chunks.push(buf.subarray(0, maxBytes - size))
      // Leaving the loop destroys the stream: undici closes that socket instead of reusing it.
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true }
    }
    chunks.push(buf)
    size += buf.length
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false }
}
