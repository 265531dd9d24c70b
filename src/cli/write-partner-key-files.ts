import { randomBytes } from 'node:crypto'
import { chmod, link, mkdir, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generatePartnerKey } from '../auth/generate-partner-key.js'
import {
  createJwksDocument,
  samePublicKey,
  type JwkMembers,
  type JwksDocument,
  type PublicJwk,
} from '../auth/jwks-document.js'
import { keySourceFromText, loadSigningKey } from '../auth/load-signing-key.js'
import type { SigningAlgorithm } from '../auth/signing-algorithm.js'
import { isRelayError, RelayError } from '../errors/relay-error.js'

export const PRIVATE_KEY_FILE = 'partner-private-key.pem'
export const JWKS_FILE = 'jwks.json'

export interface WritePartnerKeyFilesOptions {
  /** The --out folder; created when missing. */
  readonly dir: string
  readonly alg: SigningAlgorithm
  /** @default the new key's RFC 7638 thumbprint */
  readonly kid?: string
  /**
   * Rotate: replace the private key in `dir`. The JWKS keeps every key it publishes, and the
   * public half of the key being replaced. Without it, a folder holding either file is refused.
   */
  readonly force: boolean
}

export interface WrittenPartnerKeyFiles {
  readonly keyPath: string
  readonly jwksPath: string
  readonly kid: string
  /** What jwks.json now holds: the new key first, then the kept ones. */
  readonly jwks: JwksDocument
  /** The kids of the keys kept from before. */
  readonly kept: readonly string[]
  /** True when a private key was replaced. */
  readonly replaced: boolean
}

/**
 * Writes a new partner key and its JWKS into `dir` so that a relay reading the key file never
 * signs with a key the JWKS beside it does not publish, and no published key is lost:
 * 1. what the folder holds is read first, and anything that would be lost is refused before a
 *    byte is written (an existing file without `force`; with it, a jwks.json that cannot be read,
 *    or a kid the JWKS publishes already);
 * 2. the private key goes to a temporary file first, so a full disk fails before anything changed;
 * 3. the JWKS replaces jwks.json whole (a temporary file renamed over it: a reader sees the old
 *    JWKS or the new one, never half of one);
 * 4. only then does the private key move into place.
 */
export async function writePartnerKeyFiles(
  options: WritePartnerKeyFilesOptions,
): Promise<WrittenPartnerKeyFiles> {
  const { dir, force } = options
  const keyPath = join(dir, PRIVATE_KEY_FILE)
  const jwksPath = join(dir, JWKS_FILE)
  const existing = await writableFolder(dir, async () => {
    await mkdir(dir, { recursive: true })
    return { key: await readIfPresent(keyPath), jwks: await readIfPresent(jwksPath) }
  })
  if (!force) refuseExistingFiles([keyPath, existing.key], [jwksPath, existing.jwks])

  const kept = await keysToKeep(existing, jwksPath)
  const key = await generatePartnerKey({ alg: options.alg, kid: options.kid })
  if (kept.some((k) => k.kid === key.kid)) throw kidInUse(key.kid, jwksPath)
  const jwks = createJwksDocument([key.publicJwk, ...kept])

  await writableFolder(dir, async () => {
    const keyFile = await target(keyPath)
    const stagedKey = await stage(keyFile, key.privateKeyPem, 0o600)
    try {
      await writeWhole(jwksPath, `${JSON.stringify(jwks, null, 2)}\n`, force)
      await install(stagedKey, keyFile, force)
    } finally {
      await rm(stagedKey, { force: true })
    }
  })
  return {
    keyPath,
    jwksPath,
    kid: key.kid,
    jwks,
    kept: kept.map((k) => k.kid),
    replaced: existing.key !== undefined,
  }
}

/**
 * The keys the new JWKS keeps: every key jwks.json publishes, in its order, and the public half of
 * the private key about to be replaced when jwks.json does not publish it (a relay may be signing
 * with it). That one goes under the kid `keys token` derives without --kid: its thumbprint.
 */
async function keysToKeep(
  existing: { readonly key?: string; readonly jwks?: string },
  jwksPath: string,
): Promise<PublicJwk[]> {
  const published = existing.jwks === undefined ? [] : readPublishedKeys(existing.jwks, jwksPath)
  const current = existing.key === undefined ? undefined : await publicKeyOf(existing.key)
  if (current === undefined || published.some((k) => samePublicKey(k, current))) return published
  return [...published, current]
}

/** Every key of a jwks.json, or KEY_JWKS_INVALID: a JWKS that cannot be read is never replaced. */
function readPublishedKeys(text: string, jwksPath: string): PublicJwk[] {
  const invalid = (why: string, cause?: unknown) =>
    new RelayError(
      'KEY_JWKS_INVALID',
      `${jwksPath} is not a JWKS this command can keep (${why}): it publishes the keys tokens are checked with, so it is not replaced unread. Fix the file, or move it away to start a new JWKS`,
      { classification: 'terminal', cause },
    )
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw invalid('not JSON', err)
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys
  if (!Array.isArray(keys)) throw invalid('no "keys" array')
  try {
    return [...createJwksDocument(keys as JwkMembers[]).keys]
  } catch (err) {
    if (!isRelayError(err)) throw err
    throw invalid(err.message.replace(/\.$/, ''), err)
  }
}

/** The public key of a private key file, or undefined when it holds no usable key (it signs nothing). */
async function publicKeyOf(privateKeyText: string): Promise<PublicJwk | undefined> {
  try {
    return (await loadSigningKey({ source: keySourceFromText(privateKeyText) })).publicJwk
  } catch (err) {
    if (isRelayError(err) && err.code === 'KEY_INVALID') return undefined
    throw err
  }
}

function refuseExistingFiles(...files: [path: string, text: string | undefined][]): void {
  const found = files.filter(([, text]) => text !== undefined).map(([path]) => path)
  if (found.length === 0) return
  throw new RelayError(
    'KEY_FILE_EXISTS',
    `${found.join(' and ')} already exist${found.length === 1 ? 's' : ''}; pass --force to rotate (a new private key, and a JWKS that keeps every public key it publishes), or choose another --out folder`,
    { classification: 'terminal' },
  )
}

function kidInUse(kid: string, jwksPath: string): RelayError {
  return new RelayError(
    'KEY_KID_IN_USE',
    `the kid "${kid}" already names a key that ${jwksPath} keeps publishing: a new key under it would replace the public key tokens may still be signed with, and a verifier that cached it would refuse the new key's tokens. Pass a --kid the JWKS does not hold (or no --kid: the default is the new key's thumbprint), then set moca.key.kid to it`,
    { classification: 'terminal' },
  )
}

/** A file-system refusal (ENOTDIR, EACCES, ENOSPC…) as an operator message naming --out. */
async function writableFolder<T>(dir: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (err) {
    const code = (err as { code?: unknown }).code
    if (isRelayError(err) || typeof code !== 'string') throw err
    throw new RelayError(
      'KEY_WRITE_FAILED',
      `cannot write the keys to --out ${dir} (${(err as Error).message.startsWith(code) ? '' : `${code}: `}${(err as Error).message}); pick a folder you can write`,
      { classification: 'terminal', cause: err },
    )
  }
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined
    throw err
  }
}

/** The file a path names, through symlinks: a jwks.json linked into a web root stays linked. */
async function target(path: string): Promise<string> {
  try {
    return await realpath(path)
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return path
    throw err
  }
}

/** Writes `text` to `path` so that readers see the whole old file or the whole new one. */
async function writeWhole(path: string, text: string, replace: boolean): Promise<void> {
  const file = await target(path)
  const staged = await stage(file, text, 0o644)
  try {
    await install(staged, file, replace)
  } finally {
    await rm(staged, { force: true })
  }
}

/**
 * A new temporary file beside `path` holding `text`. Created with `mode` and exclusive flags, so a
 * private key is never readable by others, not even for an instant, and never written through a
 * file planted at that name; removed again when the write fails (a full disk).
 */
async function stage(path: string, text: string, mode: number): Promise<string> {
  const staged = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`
  try {
    await writeFile(staged, text, { mode, flag: 'wx' })
    await chmod(staged, mode)
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'EEXIST') await rm(staged, { force: true })
    throw err
  }
  return staged
}

/**
 * Gives a staged file its name. `replace` renames it over what is there; otherwise it is linked,
 * which fails with EEXIST where a file appeared since the folder was read: never overwritten.
 * The caller removes the staged name.
 */
async function install(staged: string, path: string, replace: boolean): Promise<void> {
  await (replace ? rename(staged, path) : link(staged, path))
}
