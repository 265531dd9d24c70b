import { maskEmailsIn } from '../domain/mask-email.js'
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

/**
 * What MocaChain's handlers say with their 404s ([OAS]; the sandbox's MocaMessages): the status
 * endpoint's "No credential found for the given hash.", the issue endpoint's "Unknown issuer DID
 * or issuance program.". A 404 in MocaChain's envelope that says neither ("Not found.", "Cannot
 * GET …") is a route MocaChain does not serve: a wrong base URL or API version.
 */
export const MOCA_NOT_FOUND_MESSAGES = {
  status: /no credential found/i,
  issue: /unknown issuer|issuance program/i,
} as const

/**
 * True when `text` is MocaChain's own error body for `httpStatus`: a JSON object
 * `{ error: <that status>, message: <string> }` ([OAS] components.schemas.Error), which only
 * MocaChain's handler writes. A gateway's HTML or plain-text page, the Catalog's `{code, msg}`, a
 * `data` wrapper and a web framework's default `{ statusCode, error: "Not Found" }` are not:
 * extractMocaMessage reads a message out of all of those, so a message alone proves nothing.
 */
export function isMocaErrorBody(text: string, httpStatus: number): boolean {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return false
  }
  const body = ErrorBody.safeParse(parsed)
  return (
    body.success &&
    typeof body.data.message === 'string' &&
    (body.data.error === httpStatus || body.data.error === String(httpStatus))
  )
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

/**
 * Readable, masked and short, in that order. Character references are decoded first so that an
 * address a page writes as `jo&#46;doe&#64;example.com` is an address to the masking (teaching the
 * email pattern every spelling of every entity would be harder to get right). Emails are masked
 * before the cut: a cut through an address leaves `jonathan.doe@exampl…`, which no later masking
 * recognises.
 */
function sanitize(text: string): string | null {
  const readable = decodeCharacterReferences(text)
    // Control characters would let a hostile body forge log lines.
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  if (readable === '') return null
  const clean = maskEmailsIn(maskJwtsIn(readable))
  return clean.length > MAX_MOCA_MESSAGE_CHARS
    ? `${clean.slice(0, MAX_MOCA_MESSAGE_CHARS - 1)}…`
    : clean
}

/**
 * The named references a gateway page may use in an address or a sentence. Others stay as
 * written: none of them can spell an email.
 */
const NAMED_REFERENCES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  commat: '@',
  period: '.',
  lowbar: '_',
  hyphen: '-',
  dash: '-',
  plus: '+',
  percnt: '%',
}

/** `&#64;`, `&#x40;` (the `;` optional, as browsers read them) and `&commat;`-style names. */
const CHARACTER_REFERENCE = /&(?:#(\d{1,7});?|#[xX]([\da-fA-F]{1,6});?|([a-zA-Z]+);)/g

/** Decodes character references, in any body (a JSON message may be HTML-escaped too). */
function decodeCharacterReferences(text: string): string {
  if (!text.includes('&')) return text
  return text.replace(
    CHARACTER_REFERENCE,
    (written, decimal: string | undefined, hex: string | undefined, name: string | undefined) => {
      if (name !== undefined) return NAMED_REFERENCES[name.toLowerCase()] ?? written
      const codePoint = decimal !== undefined ? Number(decimal) : parseInt(hex ?? '', 16)
      const valid =
        codePoint > 0 && codePoint <= 0x10ffff && !(codePoint >= 0xd800 && codePoint <= 0xdfff)
      return valid ? String.fromCodePoint(codePoint) : written
    },
  )
}
