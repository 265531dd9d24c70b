import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { generatePartnerKey } from '../auth/generate-partner-key.js'
import { createJwksDocument, type JwkMembers } from '../auth/jwks-document.js'
import { keySourceFromText, loadSigningKey, type KeySource } from '../auth/load-signing-key.js'
import {
  createPartnerTokenSigner,
  DEFAULT_TOKEN_TTL_SECONDS,
} from '../auth/partner-token-signer.js'
import { isSigningAlgorithm, type SigningAlgorithm } from '../auth/signing-algorithm.js'
import type { RelayEnv } from '../config/env.js'
import { readEnvOrFail } from '../config/load-config.js'
import { DEFAULT_PARTNER_SCOPE } from '../domain/moca-api.js'
import { isRelayError, RelayError } from '../errors/relay-error.js'
import type { Command } from './command.js'
import { parseCommandLine } from './usage-error.js'

/** Where `keys generate` writes by default; `keys/` is in .gitignore so a key is never committed. */
export const DEFAULT_KEYS_DIR = 'keys'
export const PRIVATE_KEY_FILE = 'partner-private-key.pem'
export const JWKS_FILE = 'jwks.json'

export interface CommandIo {
  readonly stdout: { write(text: string): unknown }
  readonly stderr: { write(text: string): unknown }
  /** @default readEnvOrFail() */
  readonly env?: () => Readonly<RelayEnv>
}

const USAGE = `Usage:
  moca-relay keys generate [--alg ES256|RS256] [--kid ID] [--out DIR] [--force]
      Writes DIR/${PRIVATE_KEY_FILE} (PKCS#8, mode 0600) and DIR/${JWKS_FILE}, and prints the
      JWKS (public keys only). Serve that JWKS at the URL registered with MocaChain.
      --alg    ES256 (default) or RS256 (RSA-2048)
      --kid    key id in the JWT header and the JWKS (default: the key's RFC 7638 thumbprint)
      --out    folder (default: ./${DEFAULT_KEYS_DIR})
      --force  replace an existing private key; the JWKS keeps the previous public keys so
               tokens already signed with them still verify (remove them once those expired)

  moca-relay keys token --partner-id ID --email EMAIL [--key FILE] [--kid ID] [--alg ES256|RS256]
                        [--scope S] [--ttl SECONDS]
      Prints one partner JWT for EMAIL, e.g. for curl against the sandbox. The key comes from
      --key, else from MOCA_PARTNER_PRIVATE_KEY; --alg (default: the key's type) refuses a key of
      the other type. The token is a secret: do not paste it anywhere.`

/** `moca-relay keys …`: partner key generation and a token helper. */
export function createKeysCommand(io: CommandIo): Command {
  const env = io.env ?? readEnvOrFail
  return {
    name: 'keys',
    summary: 'Generate a partner signing key and its JWKS; sign a partner JWT for testing.',
    usage: USAGE,
    async run(args) {
      const [sub, ...rest] = args
      if (sub === 'generate') return generate(rest, io)
      if (sub === 'token') return token(rest, io, env)
      io.stderr.write(`moca-relay keys: expected "generate" or "token".\n\n${USAGE}\n`)
      return 2
    },
  }
}

async function generate(args: readonly string[], io: CommandIo): Promise<number> {
  const parsed = parseCommandLine(
    'keys generate',
    USAGE,
    {
      args: [...args],
      options: {
        alg: { type: 'string', default: 'ES256' },
        kid: { type: 'string' },
        out: { type: 'string', default: DEFAULT_KEYS_DIR },
        force: { type: 'boolean', default: false },
      },
    },
    io.stderr,
  )
  if (parsed === null) return 2
  const { values } = parsed
  const alg = parseAlg(values.alg)
  const dir = resolve(values.out)
  const keyPath = join(dir, PRIVATE_KEY_FILE)
  const jwksPath = join(dir, JWKS_FILE)
  await writableFolder(dir, () => mkdir(dir, { recursive: true }))

  const key = await generatePartnerKey({ alg, kid: values.kid })
  const previous = values.force ? await readPreviousKeys(jwksPath, key.kid) : []
  const jwks = createJwksDocument([key.publicJwk, ...previous])
  await writableFolder(dir, () => writePrivateKey(keyPath, key.privateKeyPem, values.force))
  await writableFolder(dir, () => writeFile(jwksPath, `${JSON.stringify(jwks, null, 2)}\n`))

  io.stdout.write(`${JSON.stringify(jwks, null, 2)}\n`)
  io.stderr.write(
    [
      `Wrote the ${alg} private key to ${keyPath} (mode 0600; keep it secret) and the JWKS to ${jwksPath}.`,
      `kid: ${key.kid}${previous.length > 0 ? `; previous keys kept in the JWKS: ${previous.map((k) => k.kid).join(', ')}` : ''}`,
      '',
    ].join('\n'),
  )
  return 0
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
      `cannot write the keys to --out ${dir} (${code}: ${(err as Error).message}); pick a folder you can write`,
      { classification: 'terminal', cause: err },
    )
  }
}

/**
 * The private key goes to a temporary file created with mode 0600 and exclusive flags, then is
 * renamed into place: the key is never readable by others, not even for an instant, and without
 * --force an existing key is never replaced.
 */
async function writePrivateKey(path: string, pem: string, force: boolean): Promise<void> {
  if (!force) {
    try {
      await writeFile(path, pem, { mode: 0o600, flag: 'wx' })
      return
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'EEXIST') throw err
      throw new RelayError(
        'KEY_FILE_EXISTS',
        `${path} already exists; pass --force to replace it, or choose another --out folder`,
        { classification: 'terminal' },
      )
    }
  }
  const temporary = `${path}.${process.pid}.tmp`
  await writeFile(temporary, pem, { mode: 0o600, flag: 'wx' })
  await chmod(temporary, 0o600)
  await rename(temporary, path)
}

async function readPreviousKeys(jwksPath: string, newKid: string): Promise<JwkMembers[]> {
  let text: string
  try {
    text = await readFile(jwksPath, 'utf8')
  } catch {
    return []
  }
  try {
    const keys = (JSON.parse(text) as { keys?: unknown }).keys
    return Array.isArray(keys)
      ? (keys as JwkMembers[]).filter((k) => typeof k.kid === 'string' && k.kid !== newKid)
      : []
  } catch {
    return []
  }
}

async function token(
  args: readonly string[],
  io: CommandIo,
  env: () => Readonly<RelayEnv>,
): Promise<number> {
  const parsed = parseCommandLine(
    'keys token',
    USAGE,
    {
      args: [...args],
      options: {
        'partner-id': { type: 'string' },
        email: { type: 'string' },
        key: { type: 'string' },
        kid: { type: 'string' },
        alg: { type: 'string' },
        scope: { type: 'string', default: DEFAULT_PARTNER_SCOPE },
        ttl: { type: 'string', default: String(DEFAULT_TOKEN_TTL_SECONDS) },
      },
    },
    io.stderr,
  )
  if (parsed === null) return 2
  const { values } = parsed
  const partnerId = values['partner-id']
  const email = values.email
  if (partnerId === undefined || email === undefined) {
    io.stderr.write(`moca-relay keys token: --partner-id and --email are required.\n\n${USAGE}\n`)
    return 2
  }
  let source: KeySource
  if (values.key !== undefined) {
    source = { kind: 'pem-file', path: values.key }
  } else {
    const fromEnv = env().MOCA_PARTNER_PRIVATE_KEY
    if (fromEnv === undefined) {
      io.stderr.write('moca-relay keys token: pass --key FILE or set MOCA_PARTNER_PRIVATE_KEY.\n')
      return 2
    }
    source = keySourceFromText(fromEnv)
  }
  const key = await loadSigningKey({
    source,
    alg: values.alg === undefined ? undefined : parseAlg(values.alg),
    kid: values.kid,
  })
  const signer = createPartnerTokenSigner({
    key,
    partnerId,
    scope: values.scope,
    ttlSeconds: Number(values.ttl),
  })
  io.stdout.write(`${(await signer.sign(email)).token}\n`)
  return 0
}

function parseAlg(value: string): SigningAlgorithm {
  if (isSigningAlgorithm(value)) return value
  throw new RelayError('CONFIG_INVALID', `--alg must be ES256 or RS256, not "${value}".`, {
    classification: 'terminal',
  })
}
