/**
 * Masks an email for logs: keeps the first character of the local part and the domain, enough to
 * tell users apart while debugging without publishing the address (`j***@example.com`).
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@')
  if (at <= 0) return '***'
  return `${email[0]}***${email.slice(at)}`
}
