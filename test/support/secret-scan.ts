import { createPrivateKey } from 'node:crypto'

/**
 * Looks for secrets in text a user or a downstream consumer can read (logs, output events, ops
 * endpoints). Shared by the security end-to-end test and proved on planted secrets by its own
 * unit test, so that an empty report means "nothing found", not "nothing looked for".
 */

/** Three base64url segments, the first one a JSON header (`{"` encodes as `eyJ`). */
const JWT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g

export interface SecretFinding {
  readonly what: string
  /** A short excerpt around the hit, to find it in the scanned text. */
  readonly near: string
}

export interface KnownSecrets {
  /** The partner private key as PKCS#8 PEM. */
  readonly privateKeyPem: string
  /** Addresses that may appear only masked (`j***@example.com`). */
  readonly emails: readonly string[]
}

/** The literal strings a leak of the key would show: each PEM body line, the body whole, JWK `d`. */
function keyFragments(privateKeyPem: string): { what: string; value: string }[] {
  const lines = privateKeyPem
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('-----'))
  // A short last line (an RSA key's `Aw==`…) would match by chance: the whole body covers it.
  const distinctive = lines.filter((line) => line.length >= 16)
  const jwk = createPrivateKey(privateKeyPem).export({ format: 'jwk' })
  return [
    { what: 'private key PEM body', value: lines.join('') },
    ...distinctive.map((line, i) => ({ what: `private key PEM line ${i + 1}`, value: line })),
    { what: 'private JWK d', value: String(jwk.d) },
  ]
}

export function scanForSecrets(text: string, secrets: KnownSecrets): SecretFinding[] {
  const findings: SecretFinding[] = []
  const excerpt = (index: number) => text.slice(Math.max(0, index - 60), index + 60)
  for (const match of text.matchAll(JWT)) {
    findings.push({ what: 'JWT', near: excerpt(match.index) })
  }
  const lower = text.toLowerCase()
  const at = (value: string, anyCase: boolean) =>
    anyCase ? lower.indexOf(value.toLowerCase()) : text.indexOf(value)
  const literals = [
    ...keyFragments(secrets.privateKeyPem).map((f) => ({ ...f, anyCase: false })),
    ...secrets.emails.map((email) => ({
      what: `email ${email} in clear`,
      value: email,
      anyCase: true,
    })),
  ]
  for (const { what, value, anyCase } of literals) {
    const index = at(value, anyCase)
    if (index >= 0) findings.push({ what, near: excerpt(index) })
  }
  return findings
}
