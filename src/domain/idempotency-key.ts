import { hash } from 'node:crypto'
import { domainToASCII } from 'node:url'
import { canonicalJson } from './canonical-json.js'
import type { ProgramRef } from './issuance-command.js'

/**
 * Key versions are part of the hashed input: changing what a key covers must change every key,
 * or a replay after an upgrade would see "new" keys for old issuances.
 */
const CONTENT_KEY_VERSION = 'moca-relay/content/v1'
const EVENT_KEY_VERSION = 'moca-relay/event/v1'

/**
 * Emails identify MocaChain users; case, surrounding spaces, the Unicode form (NFC and NFD of
 * `José`) and the spelling of an internationalised domain (`bücher.example` and its punycode
 * `xn--bcher-kva.example`) do not make a different person. Keys built from two spellings of one
 * mailbox would differ, and that mailbox would be issued twice. The JWT still carries the email
 * as the producer wrote it (trimmed).
 *
 * An email that is already NFC once lowercased, with an ASCII domain, keeps the form (and so the
 * keys) it had before NFC and punycode were applied.
 */
export function normalizeEmail(email: string): string {
  const lowered = email.trim().toLowerCase().normalize('NFC')
  const at = lowered.lastIndexOf('@')
  const domain = lowered.slice(at + 1)
  if (at === -1 || ASCII.test(domain)) return lowered
  // domainToASCII (UTS #46) gives '' for a domain it cannot map: keep the Unicode form then.
  const ascii = domainToASCII(domain)
  return ascii === '' ? lowered : `${lowered.slice(0, at + 1)}${ascii}`
}

const ASCII = /^\p{ASCII}*$/u

/** Default key: a credential is state, so the same content is the same issuance. */
export function contentIdempotencyKey(
  program: ProgramRef,
  email: string,
  credentialSubject: Readonly<Record<string, unknown>>,
): string {
  return sha256Hex(
    canonicalJson([
      CONTENT_KEY_VERSION,
      program.issuerDid,
      program.credentialId,
      normalizeEmail(email),
      credentialSubject,
    ]),
  )
}

/** Event-id key: every upstream event issues once, even with identical content. */
export function eventIdempotencyKey(program: ProgramRef, eventId: string): string {
  return sha256Hex(
    canonicalJson([EVENT_KEY_VERSION, program.issuerDid, program.credentialId, eventId]),
  )
}

/**
 * The key sent to MocaChain and used for the ledger record of one issuance generation.
 * Generation 0 is the key itself; `--reissue` bumps the generation and so the key.
 */
export function generationKey(idempotencyKey: string, generation: number): string {
  return generation === 0 ? idempotencyKey : `${idempotencyKey}.g${generation}`
}

/**
 * Identifies the credential slot MocaChain keys duplicates on: one user, one program. Hashed, so
 * the ledger can index it without holding the email in clear.
 */
export function holderKey(program: ProgramRef, email: string): string {
  return sha256Hex(
    canonicalJson([
      'moca-relay/holder/v1',
      normalizeEmail(email),
      program.issuerDid,
      program.credentialId,
    ]),
  )
}

/** One-shot `hash` (Node ≥ 20.12): about twice as fast as createHash for inputs this small. */
/** SHA-256 as 64 lowercase hex digits: the shape of every idempotency and holder key. */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex')
}
