import { readFileSync } from 'node:fs'
import type { ConnectionOptions } from 'node:tls'
import { RelayError } from '../errors/relay-error.js'

/** kafka.ssl as configured: on, off, or the PEM files of a private CA and a client certificate. */
export type KafkaSsl =
  boolean | { readonly ca?: string; readonly cert?: string; readonly key?: string }

/** Per kafka.ssl object: a command and the range run it starts build a client each. */
const readFor = new WeakMap<object, ConnectionOptions>()

/**
 * What kafkajs takes as `ssl`: the files read once per loaded config, at start-up. An unreadable
 * file stops the start with the field and the path; the contents (a private key) never appear in
 * an error.
 */
export function kafkaTlsOptions(ssl: KafkaSsl): boolean | ConnectionOptions {
  if (typeof ssl === 'boolean') return ssl
  const known = readFor.get(ssl)
  if (known !== undefined) return known
  const options: ConnectionOptions = {}
  for (const name of ['ca', 'cert', 'key'] as const) {
    const file = ssl[name]
    if (file !== undefined) options[name] = readPem(name, file)
  }
  readFor.set(ssl, options)
  return options
}

function readPem(field: 'ca' | 'cert' | 'key', path: string): string {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw tlsFileError(
      field,
      path,
      `cannot be read (${(err as { code?: string }).code ?? (err as Error).message})`,
    )
  }
  if (!text.includes('-----BEGIN ')) {
    throw tlsFileError(field, path, 'is not a PEM file (no -----BEGIN line)')
  }
  return text
}

function tlsFileError(field: string, path: string, problem: string): RelayError {
  return new RelayError(
    'CONFIG_INVALID',
    `kafka.ssl.${field}: ${path} ${problem}. Point it at the PEM file your Kafka provider gave you (relative paths start at the config file)`,
    { classification: 'systemic' },
  )
}
