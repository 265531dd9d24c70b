import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { calculateJwkThumbprint, importJWK, type CryptoKey, type JWK } from 'jose'
import { RelayError } from '../errors/relay-error.js'
import { toPublicJwk, type PublicJwk } from './jwks-document.js'
import { MIN_RSA_MODULUS_BITS, SigningAlgorithm } from './signing-algorithm.js'

/**
 * Where the partner's private signing key comes from:
 * - `pem-file`: a file holding a PEM (PKCS#8, PKCS#1 or SEC1), a bare base64 body, or a JWK;
 * - `text`: the same, in a string (config/ passes the contents of MOCA_PARTNER_PRIVATE_KEY). The
 *   newer MocaChain docs keep "the base64 body between the PEM markers" in env variables;
 * - `jwk`: a private JWK, as an object or a JSON string.
 */
export type KeySource =
  | { readonly kind: 'pem-file'; readonly path: string }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'jwk'; readonly jwk: Readonly<Record<string, unknown>> | string }

export interface SigningKey {
  readonly alg: SigningAlgorithm
  readonly kid: string
  /** Non-extractable WebCrypto key, imported once: parsing a key per signature costs 4× (C6). */
  readonly privateKey: CryptoKey
  /** The matching public key with kid, alg and use: the entry the JWKS publishes. */
  readonly publicJwk: PublicJwk
}

export interface LoadSigningKeyOptions {
  readonly source: KeySource
  /** @default inferred from the key: ES256 for an EC P-256 key, RS256 for an RSA key */
  readonly alg?: SigningAlgorithm
  /**
   * The JWT header `kid`; must match the JWKS the partner registered with MocaChain.
   * @default the JWK's own `kid`, else the key's RFC 7638 SHA-256 thumbprint (stable, so the
   * signer and `moca-relay keys generate` agree without configuration)
   */
  readonly kid?: string
}

const KEY_FIX =
  'Use a PKCS#8 PEM (`moca-relay keys generate` writes one), its base64 body, or a private JWK.'

/** Reads, checks and imports the partner signing key once. Failures are KEY_INVALID. */
export async function loadSigningKey(options: LoadSigningKeyOptions): Promise<SigningKey> {
  const { keyObject, jwkKid } = await readPrivateKey(options.source)
  const alg = options.alg ?? inferAlgorithm(keyObject)
  assertKeyFits(keyObject, alg)
  const privateJwk = keyObject.export({ format: 'jwk' }) as JWK
  const privateKey = (await importJWK(privateJwk, alg, { extractable: false })) as CryptoKey
  const bare = createPublicKey(keyObject).export({ format: 'jwk' }) as JWK
  const kid = options.kid ?? jwkKid ?? (await calculateJwkThumbprint(bare, 'sha256'))
  return Object.freeze({ alg, kid, privateKey, publicJwk: toPublicJwk(bare, { kid, alg }) })
}

/** The key material of a `text` source is JWK JSON when it starts with `{`. */
export function keySourceFromText(text: string): KeySource {
  return text.trimStart().startsWith('{') ? { kind: 'jwk', jwk: text } : { kind: 'text', text }
}

export interface LoadPublishedKeyOptions {
  /** The key file: a public key PEM (SPKI or PKCS#1), a private key PEM, a base64 body or a JWK. */
  readonly path: string
  readonly alg: SigningAlgorithm
  readonly kid: string
}

const PUBLISHED_KEY_FIX =
  'Use the public key PEM ("BEGIN PUBLIC KEY"), the private key PEM or a JWK of the key being retired.'

/**
 * Reads a key the JWKS publishes but nothing signs with (`moca.previousKeys`): a public or a
 * private key, checked against `alg`. Returns only its public members, with kid, alg and use;
 * the private part of a private key is never kept. Failures are KEY_INVALID, naming the file.
 */
export async function loadPublishedKey(options: LoadPublishedKeyOptions): Promise<PublicJwk> {
  const { path, alg, kid } = options
  const fail = (why: string, cause?: unknown): RelayError =>
    // The cause is Node's parser error: it names the decoder, never the key bytes.
    new RelayError('KEY_INVALID', `Previous key "${kid}" (${path}): ${why}. ${PUBLISHED_KEY_FIX}`, {
      classification: 'systemic',
      cause,
    })
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw fail('cannot read the key file', err)
  }
  // What keySourceFromText reads: JWK JSON when it starts with `{`, else a PEM or a base64 body.
  const source = keySourceFromText(text)
  const publicKey =
    source.kind === 'jwk'
      ? publicKeyFromJwk(source.jwk, fail)
      : publicKeyFromPemOrBase64(text, fail)
  const misfit = algorithmMisfit(publicKey, alg)
  if (misfit !== undefined) {
    throw fail(`${misfit.problem}; check the file and the alg configured for this key`)
  }
  return toPublicJwk(publicKey.export({ format: 'jwk' }) as JWK, { kid, alg })
}

type Fail = (why: string, cause?: unknown) => RelayError

function publicKeyFromJwk(
  input: Readonly<Record<string, unknown>> | string,
  fail: Fail,
): KeyObject {
  let jwk: unknown
  try {
    jwk = typeof input === 'string' ? JSON.parse(input) : input
  } catch (err) {
    throw fail('the JWK is not valid JSON', err)
  }
  if (typeof jwk !== 'object' || jwk === null) throw fail('the JWK is not a JSON object')
  try {
    // A private JWK gives its public key.
    return createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })
  } catch (err) {
    throw fail('the JWK is not a usable key', err)
  }
}

function publicKeyFromPemOrBase64(raw: string, fail: Fail): KeyObject {
  const text = raw.includes('-----BEGIN') ? raw.replace(/\\n/g, '\n').trim() : raw.trim()
  if (text.startsWith('-----BEGIN')) {
    if (/ENCRYPTED/.test(text)) {
      throw fail(
        'the PEM is encrypted; decrypt it first (`openssl pkcs8 -topk8 -nocrypt -in key.pem`) or use the public key',
      )
    }
    try {
      // A public key PEM as it is; a private key PEM gives its public key.
      return createPublicKey(text)
    } catch (err) {
      throw fail('the PEM is not a key Node can read', err)
    }
  }
  const body = text.replace(/\s+/g, '')
  if (body === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
    throw fail('the file holds neither a PEM, a base64 body nor a JWK')
  }
  const der = Buffer.from(body, 'base64')
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      return createPublicKey({ key: der, format: 'der', type })
    } catch {
      // try the next encoding
    }
  }
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      return createPublicKey(createPrivateKey({ key: der, format: 'der', type }))
    } catch {
      // try the next encoding
    }
  }
  throw fail('the base64 body is not an SPKI or PKCS#1 public key, nor a private key')
}

async function readPrivateKey(
  source: KeySource,
): Promise<{ keyObject: KeyObject; jwkKid: string | undefined }> {
  switch (source.kind) {
    case 'pem-file': {
      let text: string
      try {
        text = await readFile(source.path, 'utf8')
      } catch (err) {
        throw invalid(`cannot read the key file ${source.path}`, err)
      }
      return readPrivateKey(keySourceFromText(text))
    }
    case 'text':
      return { keyObject: parsePemOrBase64(source.text), jwkKid: undefined }
    case 'jwk':
      return parseJwk(source.jwk)
  }
}

function parseJwk(input: Readonly<Record<string, unknown>> | string): {
  keyObject: KeyObject
  jwkKid: string | undefined
} {
  let jwk: Record<string, unknown>
  try {
    jwk = typeof input === 'string' ? (JSON.parse(input) as Record<string, unknown>) : { ...input }
  } catch (err) {
    throw invalid('the JWK is not valid JSON', err)
  }
  if (typeof jwk !== 'object' || jwk === null) throw invalid('the JWK is not a JSON object')
  if (!('d' in jwk)) {
    throw invalid(
      'the JWK has no private member "d": it is a public key, the signer needs the private one',
    )
  }
  try {
    const keyObject = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' })
    return { keyObject, jwkKid: typeof jwk.kid === 'string' ? jwk.kid : undefined }
  } catch (err) {
    throw invalid('the JWK is not a usable private key', err)
  }
}

function parsePemOrBase64(raw: string): KeyObject {
  // Env files often hold a PEM on one line with literal "\n" escapes.
  const text = raw.includes('-----BEGIN') ? raw.replace(/\\n/g, '\n').trim() : raw.trim()
  if (text.startsWith('-----BEGIN')) {
    if (/ENCRYPTED/.test(text)) {
      throw invalid(
        'the PEM is encrypted; decrypt it first (`openssl pkcs8 -topk8 -nocrypt -in key.pem`)',
      )
    }
    if (/-----BEGIN (PUBLIC KEY|RSA PUBLIC KEY|CERTIFICATE)-----/.test(text)) {
      throw invalid('the PEM holds a public key or certificate; the signer needs the private key')
    }
    try {
      return createPrivateKey(text)
    } catch (err) {
      throw invalid('the PEM is not a private key Node can read', err)
    }
  }
  const body = text.replace(/\s+/g, '')
  if (body === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
    throw invalid('the key text is neither a PEM, a base64 body nor a JWK')
  }
  const der = Buffer.from(body, 'base64')
  // The body between the markers can be PKCS#8 ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY") or
  // SEC1 ("EC PRIVATE KEY"); the markers that said which are gone, so try each.
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      return createPrivateKey({ key: der, format: 'der', type })
    } catch {
      // try the next encoding
    }
  }
  throw invalid('the base64 body is not a PKCS#8, PKCS#1 or SEC1 private key')
}

function inferAlgorithm(key: KeyObject): SigningAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return SigningAlgorithm.RS256
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return SigningAlgorithm.ES256
  }
  throw invalid(`a ${describeKey(key)} fits neither ES256 (EC P-256) nor RS256 (RSA)`)
}

function assertKeyFits(key: KeyObject, alg: SigningAlgorithm): void {
  const misfit = algorithmMisfit(key, alg)
  if (misfit === undefined) return
  const fix =
    misfit.kind === 'too-short'
      ? 'generate a new one with `moca-relay keys generate --alg RS256`'
      : `generate one with \`moca-relay keys generate --alg ${alg}\` or set the algorithm to ${alg === SigningAlgorithm.ES256 ? 'RS256' : 'ES256'}`
  throw invalid(`${misfit.problem}; ${fix}`)
}

/** Why a key cannot serve `alg` (no key material in it), or undefined when it can. */
function algorithmMisfit(
  key: KeyObject,
  alg: SigningAlgorithm,
): { kind: 'wrong-type' | 'too-short'; problem: string } | undefined {
  if (alg === SigningAlgorithm.ES256) {
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      return {
        kind: 'wrong-type',
        problem: `ES256 needs an EC P-256 key, this is a ${describeKey(key)}`,
      }
    }
    return undefined
  }
  if (key.asymmetricKeyType !== 'rsa') {
    return { kind: 'wrong-type', problem: `RS256 needs an RSA key, this is a ${describeKey(key)}` }
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0
  if (bits < MIN_RSA_MODULUS_BITS) {
    return {
      kind: 'too-short',
      problem: `RS256 needs an RSA key of at least ${MIN_RSA_MODULUS_BITS} bits, this one has ${bits}`,
    }
  }
  return undefined
}

function describeKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails
  if (key.asymmetricKeyType === 'ec') return `EC key on curve ${details?.namedCurve ?? 'unknown'}`
  if (key.asymmetricKeyType === 'rsa') return `RSA key of ${details?.modulusLength ?? '?'} bits`
  return `${key.asymmetricKeyType ?? key.type} key`
}

function invalid(why: string, cause?: unknown): RelayError {
  // The cause is Node's parser error: it names the decoder, never the key bytes.
  return new RelayError('KEY_INVALID', `Partner signing key: ${why}. ${KEY_FIX}`, {
    classification: 'systemic',
    cause,
  })
}
