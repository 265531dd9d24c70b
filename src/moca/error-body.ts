import { ErrorBody } from '../domain/moca-api.js'

/** Long enough for MocaChain's sentences and an ajv-style detail; short enough for a log line. */
export const MAX_MOCA_MESSAGE_CHARS = 300

/** A JWT (three base64url segments, header starting `eyJ`), should a gateway ever echo one. */
const JWT_PATTERN = /eyJ[\w-]*\.[\w-]*\.[\w-]*/g

/** Replaces every JWT in `text` with `[jwt]`. */
export function maskJwtsIn(text: string): string {
  return text.replace(JWT_PATTERN, '[jwt]')
}

/**
 * The message of an error response, read defensively: `{error, message}` as documented, the
 * Catalog's `{code, msg}`, a `data` wrapper, plain text, or an HTML page from a gateway. Returns a
 * short sanitised snippet, or null when there is nothing readable.
 */
export function extractMocaMessage(text: string): string | null {
  const trimmed = text.trim()
  if (trimmed === '') return null
  if (trimmed.startsWith('{')) {
    const fromJson = messageFromJson(trimmed)
    if (fromJson !== null) return sanitize(fromJson)
  }
  if (/^<(!doctype|html|head|body)/i.test(trimmed)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(trimmed)?.[1]
    return sanitize(title && title.trim() !== '' ? title : stripTags(trimmed))
  }
  return sanitize(trimmed)
}

function messageFromJson(text: string): string | null {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return null
  }
  for (const candidate of [parsed, (parsed as { data?: unknown } | null)?.data]) {
    const body = ErrorBody.safeParse(candidate)
    if (body.success && body.data.message !== undefined) return body.data.message
    const msg = (candidate as { msg?: unknown } | null)?.msg
    if (typeof msg === 'string') return msg
  }
  return null
}

function stripTags(html: string): string {
  return html.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ')
}

function sanitize(text: string): string | null {
  const clean = maskJwtsIn(text)
    // Control characters would let a hostile body forge log lines.
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  if (clean === '') return null
  return clean.length > MAX_MOCA_MESSAGE_CHARS
    ? `${clean.slice(0, MAX_MOCA_MESSAGE_CHARS - 1)}…`
    : clean
}
