import { resolve } from 'node:path'
import { calculateJwkThumbprint } from 'jose'
import { keySourceFromText, loadSigningKey, type KeySource } from '../auth/load-signing-key.js'
import {
  createPartnerTokenSigner,
  DEFAULT_TOKEN_TTL_SECONDS,
  MAX_TOKEN_TTL_SECONDS,
} from '../auth/partner-token-signer.js'
import { isSigningAlgorithm } from '../auth/signing-algorithm.js'
import type { RelayEnv } from '../config/env.js'
import { parseDigits } from '../config/env.js'
import { readEnvOrFail } from '../config/load-config.js'
import { DEFAULT_PARTNER_SCOPE } from '../domain/moca-api.js'
import { isEmailAddress } from '../domain/email-address.js'
import type { Command } from './command.js'
import { publishedKidOf } from './published-kid.js'
import { parseCommandLine, refuseUsage } from './usage-error.js'
import { JWKS_FILE, PRIVATE_KEY_FILE, writePartnerKeyFiles } from './write-partner-key-files.js'

export { JWKS_FILE, PRIVATE_KEY_FILE }

/** Where `keys generate` writes by default; `keys/` is in .gitignore so a key is never committed. */
export const DEFAULT_KEYS_DIR = 'keys'

export interface CommandIo {
  readonly stdout: { write(text: string): unknown }
  readonly stderr: { write(text: string): unknown }
  /** @default readEnvOrFail() */
  readonly env?: () => Readonly<RelayEnv>
}

const USAGE = `Usage:
  moca-relay keys generate [--alg ES256|RS256] [--kid ID] [--out DIR] [--force]
      Writes DIR/${PRIVATE_KEY_FILE} (PKCS#8, mode 0600) and DIR/${JWKS_FILE}, and prints the
      JWKS (public keys only). Serve that JWKS at the URL registered with MocaChain. Without
      --force, a folder holding either file is refused.
      --alg    ES256 (default) or RS256 (RSA-2048)
      --kid    key id in the JWT header and the JWKS (default: the key's RFC 7638 thumbprint)
      --out    folder (default: ./${DEFAULT_KEYS_DIR})
      --force  rotate: the JWKS gets the new key and keeps every public key it published, and
               the replaced key's, so tokens signed with them still verify (remove them once
               those expired); it is written before the private key is replaced. A --kid the
               JWKS already publishes is refused.

  moca-relay keys token --partner-id ID --email EMAIL [--key FILE] [--kid ID] [--alg ES256|RS256]
                        [--scope S] [--ttl SECONDS]
      Prints one partner JWT for EMAIL, e.g. for curl against the sandbox. The key comes from
      --key, else from MOCA_PARTNER_PRIVATE_KEY; --alg (default: the key's type) refuses a key of
      the other type. --kid defaults to the kid the ${JWKS_FILE} beside --key publishes the key
      under, else the key's own; stderr names the kid used. The token is a secret: do not paste
      it anywhere.`

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
      return refuseUsage(io.stderr, 'keys', USAGE, 'expected "generate" or "token".')
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
  if (values.kid !== undefined && values.kid.trim() === '') {
    return refuseUsage(
      io.stderr,
      'keys generate',
      USAGE,
      "--kid is empty: give a key id (--kid partner-2026-11), or leave --kid out for the key's thumbprint.",
    )
  }
  if (!isSigningAlgorithm(values.alg)) return usageError(io, 'generate', algProblem(values.alg))
  const alg = values.alg
  const written = await writePartnerKeyFiles({
    dir: resolve(values.out),
    alg,
    kid: values.kid,
    force: values.force,
  })
  const { keyPath, jwksPath, kid, kept } = written

  io.stdout.write(`${JSON.stringify(written.jwks, null, 2)}\n`)
  io.stderr.write(
    [
      `Wrote the JWKS to ${jwksPath}, then the ${alg} private key to ${keyPath} (mode 0600; keep it secret).`,
      `kid: ${kid}${kept.length > 0 ? `; previous keys kept in the JWKS: ${kept.join(', ')}` : ''}`,
      ...(written.replaced
        ? [
            `A relay that reads ${keyPath} takes the new key within seconds but keeps signing under the moca.key.kid of its config: see "Key rotation" in the README.`,
          ]
        : []),
      '',
    ].join('\n'),
  )
  return 0
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
    return refuseUsage(io.stderr, 'keys token', USAGE, '--partner-id and --email are required.')
  }
  // The token's email claim names the user to MocaChain; the relay signs only what this accepts.
  if (!isEmailAddress(email))
    return usageError(io, 'token', `--email must be the user's email address, got "${email}".`)
  if (values.alg !== undefined && !isSigningAlgorithm(values.alg))
    return usageError(io, 'token', algProblem(values.alg))
  // Checked before the key is read: Number('abc') reached the signer, which said "got NaN".
  const ttlSeconds = parseDigits(values.ttl, 1, MAX_TOKEN_TTL_SECONDS)
  if (ttlSeconds === null)
    return usageError(
      io,
      'token',
      `--ttl must be a whole number of seconds from 1 to ${MAX_TOKEN_TTL_SECONDS}, got "${values.ttl}".`,
    )
  let source: KeySource
  if (values.key !== undefined) {
    source = { kind: 'pem-file', path: values.key }
  } else {
    const fromEnv = env().MOCA_PARTNER_PRIVATE_KEY
    if (fromEnv === undefined) {
      return refuseUsage(
        io.stderr,
        'keys token',
        USAGE,
        'pass --key FILE or set MOCA_PARTNER_PRIVATE_KEY.',
      )
    }
    source = keySourceFromText(fromEnv)
  }
  const alg = values.alg
  let key = await loadSigningKey({ source, alg, kid: values.kid })
  let kidOrigin: string
  const published =
    values.kid === undefined && values.key !== undefined
      ? await publishedKidOf(values.key, key.publicJwk)
      : null
  if (values.kid !== undefined) {
    kidOrigin = ' (--kid)'
  } else if (published !== null) {
    // The sandbox and MocaChain look the kid up in the JWKS: sign as it names the key.
    key = await loadSigningKey({ source, alg, kid: published.kid })
    kidOrigin = `, the kid ${published.jwksPath} publishes this key under`
  } else if (key.kid === (await calculateJwkThumbprint(key.publicJwk, 'sha256'))) {
    kidOrigin = `, the key's RFC 7638 thumbprint: pass --kid if the JWKS you registered names the key otherwise`
  } else {
    kidOrigin = " (the key's own JWK kid)"
  }
  const signer = createPartnerTokenSigner({
    key,
    partnerId,
    scope: values.scope,
    ttlSeconds,
  })
  io.stdout.write(`${(await signer.sign(email)).token}\n`)
  io.stderr.write(`Signed with kid ${key.kid}${kidOrigin}.\n`)
  return 0
}

const algProblem = (value: string): string => `--alg must be ES256 or RS256, not "${value}".`

const usageError = (io: CommandIo, sub: 'generate' | 'token', problem: string): number =>
  refuseUsage(io.stderr, `keys ${sub}`, USAGE, problem)
