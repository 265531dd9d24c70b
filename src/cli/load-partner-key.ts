import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import {
  keySourceFromText,
  loadPublishedKey,
  loadSigningKey,
  type SigningKey,
} from '../auth/load-signing-key.js'
import type { PublicJwk } from '../auth/jwks-document.js'
import { unreadableFileFix } from '../config/file-access.js'
import type { LoadedConfig } from '../config/load-config.js'
import { RelayError } from '../errors/relay-error.js'

/** The partner signing key a config names: moca.key.file, or MOCA_PARTNER_PRIVATE_KEY. */
export async function loadPartnerKey(loaded: LoadedConfig): Promise<SigningKey> {
  const { config, partnerKey } = loaded
  const source =
    partnerKey.kind === 'file'
      ? keySourceFromText(await readKeyFile(partnerKey.path))
      : keySourceFromText(partnerKey.text)
  return loadSigningKey({ source, alg: config.moca.key.alg, kid: config.moca.key.kid })
}

/**
 * The public keys of moca.previousKeys: published in the JWKS during a rotation, never signing, so
 * a public key file will do and only public members are kept.
 */
export function loadPreviousKeys(loaded: LoadedConfig): Promise<PublicJwk[]> {
  return Promise.all(
    loaded.config.moca.previousKeys.map((p) =>
      loadPublishedKey({ path: resolve(loaded.baseDir, p.file), alg: p.alg, kid: p.kid }),
    ),
  )
}

async function readKeyFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    throw new RelayError(
      'KEY_INVALID',
      `cannot read the partner key file ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}): ${unreadableFileFix(err) ?? `fix moca.key.file, or run \`moca-relay keys generate --out ${resolve(path, '..')}\``}`,
      { classification: 'systemic', cause: err },
    )
  }
}
