/**
 * Masks an email for logs: keeps the first character of the local part and the domain, enough to
 * tell users apart while debugging without publishing the address (`j***@example.com`).
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@')
  if (at <= 0) return '***'
  return `${email[0]}***${email.slice(at)}`
}

/** Anything shaped like an email address, in free text (messages quoting a record or a server). */
const EMAIL_IN_TEXT = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g

/**
 * Masks every email address in a message before it is published or logged: a decode error quotes
 * the bytes around the problem, and a server may echo the user back.
 */
export function maskEmailsIn(text: string): string {
  return text.replace(EMAIL_IN_TEXT, (email) => maskEmail(email))
}
