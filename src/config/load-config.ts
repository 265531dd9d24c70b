import { readFile } from 'node:fs/promises'
import { dirname, extname, resolve } from 'node:path'
import { parse as parseYaml, YAMLError, type ErrorCode as YamlErrorCode } from 'yaml'
import { ZodError } from 'zod'
import { RelayError } from '../errors/relay-error.js'
import { readEnv, type RelayEnv } from './env.js'
import { unreadableFileFix } from './file-access.js'
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
/**
 * The environment, read and checked: a bad variable (LOG_LEVEL=verbose) is a CONFIG_INVALID error
 * naming it, not a ZodError and a stack trace. For every command, with a config file or without.
 */
export function readEnvOrFail(env: NodeJS.ProcessEnv = process.env): Readonly<RelayEnv> {
  try {
    return readEnv(env)
  } catch (err) {
    if (err instanceof ZodError) {
      throw new RelayError('CONFIG_INVALID', formatConfigIssues(err.issues, 'the environment'), {
        classification: 'systemic',
        cause: err,
      })
    }
    throw err
  }
}

export async function loadConfig(
  path: string,
  options: LoadConfigOptions = {},
): Promise<LoadedConfig> {
  const configPath = resolve(path)
  const raw = await readConfigFile(configPath)
  return parseConfig(raw, { env: readEnvOrFail(options.env), configPath })
}

/** Validation without the file system: for tests and for configs built in code (the demo). */
export function parseConfig(
  raw: unknown,
  context: { readonly env: Readonly<RelayEnv>; readonly configPath: string },
): LoadedConfig {
  const { config: withEnv, fromEnv, unusedSecrets } = applyEnvOverrides(raw, context.env)
  if (unusedSecrets.length > 0) throw unusedSecretsError(unusedSecrets)
  const result = RelayConfig.safeParse(withEnv)
  if (!result.success) {
    throw new RelayError(
      'CONFIG_INVALID',
      formatConfigIssues(result.error.issues, context.configPath, fromEnv),
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

/**
 * A secret in the environment for a section the config does not have would go unused: with
 * KAFKA_SASL_PASSWORD and no kafka.sasl, the relay would connect to Kafka without SASL and say
 * nothing. Refused, as a registry password without a username is.
 */
function unusedSecretsError(variables: readonly UnusedSecret[]): RelayError {
  const lines = variables.map((name) =>
    name === 'SCHEMA_REGISTRY_PASSWORD'
      ? `${name}: set, but the config has no schemaRegistry, so no registry would ever get it: add schemaRegistry (its url and username, or SCHEMA_REGISTRY_URL) to the config, or unset ${name}`
      : `${name}: set, but the config has no kafka.sasl, so the relay would connect to Kafka without SASL and never use it: add kafka.sasl (its mechanism, and the username or OAuth client) to the config, or unset ${name}`,
  )
  return new RelayError(
    'CONFIG_INVALID',
    `invalid configuration in the environment:\n${lines.map((line) => `  - ${line}`).join('\n')}`,
    { classification: 'systemic' },
  )
}

async function readConfigFile(configPath: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(configPath, 'utf8')
  } catch (err) {
    throw new RelayError(
      'CONFIG_FILE_NOT_FOUND',
      `cannot read the config file ${configPath} (${(err as NodeJS.ErrnoException).code ?? 'error'}): ${unreadableFileFix(err) ?? 'pass an existing YAML or JSON file with --config'}`,
      { classification: 'systemic', cause: err },
    )
  }
  const json = extname(configPath) === '.json'
  try {
    return json ? JSON.parse(text) : parseYaml(text)
  } catch (err) {
    // The parsers' own messages quote the source around the error, and a config file holds
    // secrets: say what and where, never the text. The parser error is not kept as the cause
    // either, since a logged cause would print that text all the same.
    throw new RelayError(
      'CONFIG_INVALID',
      `${configPath} is not valid ${json ? 'JSON' : 'YAML'}: ${json ? describeJsonError(text) : describeYamlError(err)}`,
      { classification: 'systemic' },
    )
  }
}

/** What the yaml library's error codes mean, in words that quote nothing from the file. */
const YAML_ERRORS: Readonly<Record<YamlErrorCode, string>> = {
  ALIAS_PROPS: 'an alias cannot have a tag or an anchor',
  BAD_ALIAS: 'an invalid alias',
  BAD_COLLECTION_TYPE: 'a collection of the wrong type for its tag',
  BAD_DIRECTIVE: 'an invalid directive',
  BAD_DQ_ESCAPE: 'an invalid escape sequence in a double-quoted string',
  BAD_INDENT: 'bad indentation',
  BAD_PROP_ORDER: 'a tag or anchor in the wrong place',
  BAD_SCALAR_START: 'a plain value that starts with a reserved character',
  BLOCK_AS_IMPLICIT_KEY:
    'a nested mapping or a second key on one line (is a value unquoted or a quote misplaced?)',
  BLOCK_IN_FLOW: 'a block value inside a flow collection',
  DUPLICATE_KEY: 'a duplicate key',
  IMPOSSIBLE: 'an internal parser error',
  KEY_OVER_1024_CHARS: 'a key longer than 1024 characters',
  MISSING_CHAR: 'a missing closing quote or bracket',
  MULTILINE_IMPLICIT_KEY: 'a key that spans more than one line',
  MULTIPLE_ANCHORS: 'more than one anchor on a value',
  MULTIPLE_DOCS: 'more than one YAML document',
  MULTIPLE_TAGS: 'more than one tag on a value',
  NON_STRING_KEY: 'a key that is not a string',
  RESOURCE_EXHAUSTION: 'too many alias expansions',
  TAB_AS_INDENT: 'a tab used for indentation',
  TAG_RESOLVE_FAILED: 'a value that does not match its tag',
  UNEXPECTED_TOKEN: 'an unexpected token',
}

function describeYamlError(err: unknown): string {
  if (err instanceof YAMLError) {
    const at = err.linePos?.[0]
    // The parser notices an unclosed `[` or `{` only at the next line, and calls it indentation.
    // Its own sentence is safe to read (it quotes no source), never to print.
    const unclosed = /^Flow (sequence|map) in block collection must be .* end with a ([\]}])/.exec(
      err.message,
    )
    if (err.code === 'BAD_INDENT' && unclosed !== null && at !== undefined) {
      const end = unclosed[2]
      return `a ${end === ']' ? '[ list' : '{ mapping'} not closed with ${end} before line ${at.line}, column ${at.col} (or its next lines indented no deeper than its key)`
    }
    const what = (YAML_ERRORS as Record<string, string | undefined>)[err.code] ?? 'a syntax error'
    return at ? `${what} at line ${at.line}, column ${at.col}` : what
  }
  if (err instanceof ReferenceError) return 'an alias whose anchor is not defined before it'
  return 'a syntax error'
}

/**
 * Finds the first syntax error in text that JSON.parse refused, as a description and a 1-based
 * line and column. V8's own message quotes the text around the error and often gives no position.
 */
function describeJsonError(text: string): string {
  let i = 0
  const fail = (what: string): never => {
    throw new JsonSyntax(what, i)
  }
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++
  }
  const literal = (word: string): void => {
    if (text.startsWith(word, i)) i += word.length
    else fail('an unexpected character')
  }
  const string = (): void => {
    i++ // the opening quote
    for (;;) {
      if (i >= text.length) fail('an unterminated string')
      const c = text.charCodeAt(i)
      if (c === 0x22) break
      if (c < 0x20) fail('a control character or line break inside a string')
      if (c === 0x5c) {
        i++
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5)))
            fail('an invalid \\u escape in a string')
          i += 4
        } else if (i >= text.length || !'"\\/bfnrt'.includes(text[i]!)) {
          fail('an invalid escape in a string')
        }
      }
      i++
    }
    i++ // the closing quote
  }
  const number = (): void => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i))
    if (!match) fail('an invalid number')
    i += match![0].length
  }
  const value = (): void => {
    space()
    if (i >= text.length) fail('an unexpected end of file')
    const c = text[i]
    if (c === '{') {
      i++
      space()
      if (text[i] === '}') {
        i++
        return
      }
      for (;;) {
        space()
        if (text[i] !== '"')
          fail(
            i >= text.length ? 'an unexpected end of file' : 'a property name not in double quotes',
          )
        string()
        space()
        if (text[i] !== ':') fail("a missing ':' after a property name")
        i++
        value()
        space()
        if (text[i] === ',') i++
        else if (text[i] === '}') return void i++
        else
          fail(
            i >= text.length
              ? 'an unexpected end of file'
              : "a missing ',' or '}' after a property value (is a string unquoted?)",
          )
      }
    }
    if (c === '[') {
      i++
      space()
      if (text[i] === ']') {
        i++
        return
      }
      for (;;) {
        value()
        space()
        if (text[i] === ',') i++
        else if (text[i] === ']') return void i++
        else
          fail(
            i >= text.length
              ? 'an unexpected end of file'
              : "a missing ',' or ']' after an array element",
          )
      }
    }
    if (c === '"') return string()
    if (c === '-' || (c! >= '0' && c! <= '9')) return number()
    if (c === 't') return literal('true')
    if (c === 'f') return literal('false')
    if (c === 'n') return literal('null')
    fail('an unexpected character (is a string unquoted?)')
  }
  try {
    value()
    space()
    if (i < text.length) fail('unexpected text after the end of the JSON value')
  } catch (err) {
    if (!(err instanceof JsonSyntax)) return 'a syntax error'
    const before = text.slice(0, err.offset).split('\n')
    return `${err.what} at line ${before.length}, column ${before.at(-1)!.length + 1}`
  }
  return 'a syntax error'
}

class JsonSyntax extends Error {
  constructor(
    readonly what: string,
    readonly offset: number,
  ) {
    super(what)
  }
}

/** The secret variables that need a section of the config to go into. */
type UnusedSecret = 'KAFKA_SASL_PASSWORD' | 'KAFKA_SASL_CLIENT_SECRET' | 'SCHEMA_REGISTRY_PASSWORD'

/**
 * Endpoints and secrets from the environment win over the file. `fromEnv` names, per config path
 * it set, the variable that set it: a validation error there is the variable's, not the file's.
 */
function applyEnvOverrides(
  raw: unknown,
  env: Readonly<RelayEnv>,
): { config: unknown; fromEnv: Map<string, string>; unusedSecrets: UnusedSecret[] } {
  const fromEnv = new Map<string, string>()
  // secrets set for a section the config does not have: nothing would ever use them
  const unusedSecrets: UnusedSecret[] = []
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { config: raw, fromEnv, unusedSecrets }
  const config = structuredClone(raw) as Record<string, unknown>
  // A section the file does not have is created for the variable. One the file gives as anything
  // but a mapping (`kafka: "host:9092"`, an empty `kafka:`) is left as it is, for validation to
  // refuse: replacing it would run the relay on defaults (Kafka at 127.0.0.1:9092) without a word.
  const section = (name: string): Record<string, unknown> => {
    const existing = config[name]
    if (isMapping(existing)) return existing
    const created: Record<string, unknown> = {}
    if (existing === undefined) config[name] = created
    return created
  }
  if (env.KAFKA_BROKERS) {
    section('kafka').brokers = env.KAFKA_BROKERS.split(',')
      .map((b) => b.trim())
      .filter(Boolean)
    fromEnv.set('kafka.brokers', 'KAFKA_BROKERS')
  }
  const sasl = section('kafka').sasl
  if (typeof sasl === 'object' && sasl !== null) {
    // each secret goes to the mechanism that uses it, so one environment can serve both kinds
    const fields = sasl as Record<string, unknown>
    const oauth = fields.mechanism === 'oauthbearer'
    if (env.KAFKA_SASL_PASSWORD && !oauth) {
      fields.password = env.KAFKA_SASL_PASSWORD
      fromEnv.set('kafka.sasl.password', 'KAFKA_SASL_PASSWORD')
    }
    if (env.KAFKA_SASL_CLIENT_SECRET && oauth) {
      fields.clientSecret = env.KAFKA_SASL_CLIENT_SECRET
      fromEnv.set('kafka.sasl.clientSecret', 'KAFKA_SASL_CLIENT_SECRET')
    }
  } else if (sasl === undefined) {
    for (const name of ['KAFKA_SASL_PASSWORD', 'KAFKA_SASL_CLIENT_SECRET'] as const)
      if (env[name]) unusedSecrets.push(name)
  }
  if (env.SCHEMA_REGISTRY_URL) {
    section('schemaRegistry').url = env.SCHEMA_REGISTRY_URL
    fromEnv.set('schemaRegistry.url', 'SCHEMA_REGISTRY_URL')
  }
  if (env.SCHEMA_REGISTRY_PASSWORD && isMapping(config.schemaRegistry)) {
    config.schemaRegistry.password = env.SCHEMA_REGISTRY_PASSWORD
    fromEnv.set('schemaRegistry.password', 'SCHEMA_REGISTRY_PASSWORD')
  } else if (env.SCHEMA_REGISTRY_PASSWORD && config.schemaRegistry === undefined) {
    unusedSecrets.push('SCHEMA_REGISTRY_PASSWORD')
  }
  if (env.MOCA_BASE_URL) {
    section('moca').baseUrl = env.MOCA_BASE_URL
    fromEnv.set('moca.baseUrl', 'MOCA_BASE_URL')
  }
  if (env.MOCA_PARTNER_ID) {
    section('moca').partnerId = env.MOCA_PARTNER_ID
    fromEnv.set('moca.partnerId', 'MOCA_PARTNER_ID')
  }
  if (env.MOCA_RELAY_OPS_PORT !== undefined) {
    section('ops').port = env.MOCA_RELAY_OPS_PORT
    fromEnv.set('ops.port', 'MOCA_RELAY_OPS_PORT')
  }
  if (env.LOG_LEVEL) {
    section('log').level = env.LOG_LEVEL
    fromEnv.set('log.level', 'LOG_LEVEL')
  }
  return { config, fromEnv, unusedSecrets }
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
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
