import { createHash, randomBytes } from 'node:crypto'

/**
 * The shapes of MocaChain's values, taken from the documented examples (mocachain-facts §1.4):
 * what a client may rely on, and nothing more.
 */

const USER_NAMESPACE = 'moca-relay-sandbox/user/'
const ALPHANUMERIC = '0123456789abcdefghijklmnopqrstuvwxyz'

/**
 * A stable UUID per email (version-5 layout over SHA-256): the same user gets the same userUuid
 * across sandbox restarts, like an AIR account that outlives a session. Emails compare
 * case-insensitively, as mailbox providers do in practice.
 */
export function userUuidFor(email: string): string {
  const b = createHash('sha256')
    .update(USER_NAMESPACE + email.toLowerCase())
    .digest()
  b[6] = (b[6]! & 0x0f) | 0x50
  b[8] = (b[8]! & 0x3f) | 0x80
  const hex = b.subarray(0, 16).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** Random bytes are drawn this many at a time: one call per ~75 credentials, not two per one. */
const RANDOM_POOL_BYTES = 4096
let randomPool = Buffer.alloc(0)
let randomUsed = 0

/** `n` fresh random bytes (each handed out once), from a pool refilled by randomBytes. */
function takeRandom(n: number): Buffer {
  if (randomUsed + n > randomPool.length) {
    randomPool = randomBytes(RANDOM_POOL_BYTES)
    randomUsed = 0
  }
  randomUsed += n
  return randomPool.subarray(randomUsed - n, randomUsed)
}

/**
 * 64 lowercase hex characters, no 0x. The top bits are cleared so the value stays below the BN254
 * field modulus, as a real Poseidon core-claim hash does.
 */
export function newCoreClaimHash(): string {
  const b = takeRandom(32)
  b[0] = b[0]! & 0x1f
  return b.toString('hex')
}

/** 22 alphanumeric characters starting with "c", like `c28t30c048pe502a3713w0`. */
export function newVcId(): string {
  const b = takeRandom(21)
  let id = 'c'
  for (const byte of b) id += ALPHANUMERIC[byte % ALPHANUMERIC.length]
  return id
}

/** "YYYY-MM-DD HH:MM:SS" in UTC, not ISO-8601: the documented `issuanceDate` format. */
export function formatIssuanceDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ')
}

/** Loose on purpose: MocaChain's own rule is unknown, and this only catches obvious garbage. */
export function isPlausibleEmail(value: unknown): value is string {
  return (
    typeof value === 'string' && value.length <= 254 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)
  )
}
