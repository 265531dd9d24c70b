import { readFile } from 'node:fs/promises'
import { dirname, extname, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { ZodError } from 'zod'
import { RelayError } from '../errors/relay-error.js'
import { readEnv, type RelayEnv } from './env.js'
import { formatConfigIssues } from './format-config-error.js'
import { RelayConfig } from './relay-config.js'

/** Where the partner private key comes from; auth/ turns it into a signing key. */
export type PartnerKeySource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'inline'; readonly text: string; readonly origin: string }

export interface LoadedConfig {
  readonly config: RelayConfig
  /** Directory of the config file: relative paths in it resolve from here. */
  readonly baseDir: string
  readonly partnerKey: PartnerKeySource
  readonly configPath: string
}

export interface LoadConfigOptions {
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv
}

/**
 * Reads the config file, applies environment overrides, validates everything once and returns a
 * deeply frozen result. Every failure is a RelayError whose message names the field and the fix.
 */
export async function loadConfig(
  path: string,
  options: LoadConfigOptions = {},
): Promise<LoadedConfig> {
  const configPath = resolve(path)
  const raw = await readConfigFile(configPath)
  let env: Readonly<RelayEnv>
  try {
    env = readEnv(options.env)
  } catch (err) {
    if (err instanceof ZodError) {
      throw new RelayError('CONFIG_INVALID', formatConfigIssues(err.issues, 'the environment'), {
        classification: 'systemic',
        cause: err,
      })
    }
    throw err
  }
  return parseConfig(raw, { env, configPath })
}

/** Validation without the file system: for tests and for configs built in code (the demo). */
export function parseConfig(
  raw: unknown,
  context: { readonly env: Readonly<RelayEnv>; readonly configPath: string },
): LoadedConfig {
  const withEnv = applyEnvOverrides(raw, context.env)
  const result = RelayConfig.safeParse(withEnv)
  if (!result.success) {
    throw new RelayError(
      'CONFIG_INVALID',
      formatConfigIssues(result.error.issues, context.configPath),
      {
        classification: 'systemic',
        cause: result.error,
      },
    )
  }
  const config = result.data
  const baseDir = dirname(context.configPath)
  // TLS files are named relative to the config file, like moca.key.file.
  const { ssl } = config.kafka
  if (typeof ssl === 'object') {
    config.kafka.ssl = Object.fromEntries(
      Object.entries(ssl).map(([name, file]) => [name, resolve(baseDir, file)]),
    )
  }
  const partnerKey = resolvePartnerKey(config, context.env, baseDir, context.configPath)
  return deepFreeze({ config, baseDir, partnerKey, configPath: context.configPath })
}

async function readConfigFile(configPath: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(configPath, 'utf8')
  } catch (err) {
    throw new RelayError(
      'CONFIG_FILE_NOT_FOUND',
      `cannot read the config file ${configPath} (${(err as NodeJS.ErrnoException).code ?? 'error'}): pass an existing YAML or JSON file with --config`,
      { classification: 'systemic', cause: err },
    )
  }
  try {
    return extname(configPath) === '.json' ? JSON.parse(text) : parseYaml(text)
  } catch (err) {
    throw new RelayError(
      'CONFIG_INVALID',
      `${configPath} is not valid ${extname(configPath) === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`,
      { classification: 'systemic', cause: err },
    )
  }
}

/** Endpoints and secrets from the environment win over the file. */
function applyEnvOverrides(raw: unknown, env: Readonly<RelayEnv>): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw
  const config = structuredClone(raw) as Record<string, Record<string, unknown> | undefined>
  const section = (name: string): Record<string, unknown> => {
    const existing = config[name]
    if (typeof existing === 'object' && existing !== null) return existing
    const created: Record<string, unknown> = {}
    config[name] = created
    return created
  }
  if (env.KAFKA_BROKERS) {
    section('kafka').brokers = env.KAFKA_BROKERS.split(',')
      .map((b) => b.trim())
      .filter(Boolean)
  }
  const sasl = section('kafka').sasl
  if (typeof sasl === 'object' && sasl !== null) {
    // each secret goes to the mechanism that uses it, so one environment can serve both kinds
    const fields = sasl as Record<string, unknown>
    const oauth = fields.mechanism === 'oauthbearer'
    if (env.KAFKA_SASL_PASSWORD && !oauth) fields.password = env.KAFKA_SASL_PASSWORD
    if (env.KAFKA_SASL_CLIENT_SECRET && oauth) fields.clientSecret = env.KAFKA_SASL_CLIENT_SECRET
  }
  if (env.SCHEMA_REGISTRY_URL) section('schemaRegistry').url = env.SCHEMA_REGISTRY_URL
  if (env.SCHEMA_REGISTRY_PASSWORD && config.schemaRegistry) {
    config.schemaRegistry.password = env.SCHEMA_REGISTRY_PASSWORD
  }
  if (env.MOCA_BASE_URL) section('moca').baseUrl = env.MOCA_BASE_URL
  if (env.MOCA_PARTNER_ID) section('moca').partnerId = env.MOCA_PARTNER_ID
  if (env.MOCA_RELAY_OPS_PORT !== undefined) section('ops').port = env.MOCA_RELAY_OPS_PORT
  if (env.LOG_LEVEL) section('log').level = env.LOG_LEVEL
  return config
}

function resolvePartnerKey(
  config: RelayConfig,
  env: Readonly<RelayEnv>,
  baseDir: string,
  configPath: string,
): PartnerKeySource {
  if (env.MOCA_PARTNER_PRIVATE_KEY) {
    return {
      kind: 'inline',
      text: env.MOCA_PARTNER_PRIVATE_KEY,
      origin: 'MOCA_PARTNER_PRIVATE_KEY',
    }
  }
  if (config.moca.key.file) return { kind: 'file', path: resolve(baseDir, config.moca.key.file) }
  throw new RelayError(
    'CONFIG_INVALID',
    `invalid configuration in ${configPath}:\n  - moca.key: no private key: set moca.key.file, or the MOCA_PARTNER_PRIVATE_KEY environment variable (\`moca-relay keys generate\` makes one)`,
    { classification: 'systemic' },
  )
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
