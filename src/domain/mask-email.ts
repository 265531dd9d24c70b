/**
 * Masks an email for logs: keeps the first character of the local part and the domain, enough to
 * tell users apart while debugging without publishing the address (`j***@example.com`).
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@')
  if (at <= 0) return '***'
  return `${email[0]}***${email.slice(at)}`
}

/**
 * Anything shaped like an email address, in free text (messages quoting a record or a server),
 * matched only where it starts: `local@domain` with the local part running up to the `@`. Letters
 * and digits of any script count, so internationalised addresses are masked too.
 * Sticky and tried once per `@` (see maskEmailsIn): a global scan with this pattern backtracks
 * through every suffix of a long run of local-part characters, quadratic in its length.
 */
const EMAIL_AT =
  /[\p{L}\p{M}\p{N}._%+-]+@[\p{L}\p{M}\p{N}-]+(?:\.[\p{L}\p{M}\p{N}-]+)*\.[\p{L}\p{M}]{2,}/uy

/** ASCII letters, digits and ._%+-, or any non-ASCII character (EMAIL_AT decides which count). */
function isLocalPartChar(c: number): boolean {
  return (
    c >= 0x80 || // internationalised addresses (bo@exämple.com, usér@example.com)
    (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x2e || // .
    c === 0x5f || // _
    c === 0x25 || // %
    c === 0x2b || // +
    c === 0x2d // -
  )
}

/**
 * Masks every email address in a message before it is published or logged: a decode error quotes
 * the bytes around the problem, and a server may echo the user back. Linear in the text's length:
 * each `@` is tried once, from the start of the local-part run before it (the leftmost place an
 * address through that `@` can start), so hostile text cannot make it backtrack quadratically.
 */
export function maskEmailsIn(text: string): string {
  let out = ''
  let copied = 0
  let at = text.indexOf('@')
  while (at !== -1) {
    let start = at
    while (start > copied && isLocalPartChar(text.charCodeAt(start - 1))) start--
    if (start < at) {
      EMAIL_AT.lastIndex = start
      const match = EMAIL_AT.exec(text)
      if (match !== null) {
        out += text.slice(copied, start) + maskEmail(match[0])
        copied = start + match[0].length
        at = text.indexOf('@', copied)
        continue
      }
    }
    at = text.indexOf('@', at + 1)
  }
  return copied === 0 ? text : out + text.slice(copied)
}
