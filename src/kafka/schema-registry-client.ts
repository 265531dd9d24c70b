import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import { lenientLongHook } from './avro-long.js'

type RegistryClientArgs = ConstructorParameters<typeof SchemaRegistry>[0]
type RegistryMiddleware = NonNullable<RegistryClientArgs['middlewares']>[number]

/**
 * A registry that does not answer within this time counts as unavailable (retryable): without
 * a timeout a hung registry would hold the record's key forever. Schema lookups are small GETs
 * and cached by id after the first, so 5 s only trips on a sick registry.
 */
export const DEFAULT_REGISTRY_TIMEOUT_MS = 5_000

/**
 * The client's own retries on 5xx. The pipeline owns the retry policy (backoff, deadline) for
 * SCHEMA_REGISTRY_UNAVAILABLE; one quick retry here only smooths a single blip. (Client 3.9.0
 * merges this into a module-wide default object, so it holds for every client in the process.)
 */
export const DEFAULT_REGISTRY_RETRIES = 1

/**
 * ajv as a reader of producers' schemas: every violation collected (its default stops at the
 * first), so one credential.failed message lists everything the producer has to fix; and not
 * strict, because strict mode refuses to compile a schema holding a keyword ajv does not know,
 * which JSON Schema says to ignore (Kafka Connect's "connect.index", "x-…" annotations), or a
 * draft-07 format ("email", "date-time") without format definitions, and every record written
 * with such a schema failed. Formats are annotations here: draft-07 makes checking them optional.
 */
const JSON_SCHEMA_OPTIONS = { allErrors: true, strict: false, validateFormats: false } as const

export interface SchemaRegistryClientDeps {
  /** Confluent-API base URL, e.g. http://127.0.0.1:8081/apis/ccompat/v7 for Apicurio. */
  readonly url: string
  /** @default DEFAULT_REGISTRY_TIMEOUT_MS */
  readonly timeoutMs?: number
  /** HTTP Basic credentials (Confluent Cloud: an API key and secret). @default none */
  readonly auth?: { readonly username: string; readonly password: string }
}

/** The registry of a relay config (schemaRegistry.url and its credentials), or null without one. */
export function schemaRegistryFromConfig(config: {
  readonly schemaRegistry?:
    { readonly url: string; readonly username?: string; readonly password?: string } | undefined
}): SchemaRegistry | null {
  const section = config.schemaRegistry
  if (section === undefined) return null
  const { url, username, password } = section
  return createSchemaRegistry({
    url,
    ...(username !== undefined && password !== undefined ? { auth: { username, password } } : {}),
  })
}

/**
 * The registry client the codecs expect: a per-request timeout, few client-side retries, ajv
 * options for producers' JSON Schemas (JSON_SCHEMA_OPTIONS), and Avro longs read as JSON numbers
 * are (avro-long.ts).
 */
export function createSchemaRegistry(deps: SchemaRegistryClientDeps): SchemaRegistry {
  const timeoutMs = deps.timeoutMs ?? DEFAULT_REGISTRY_TIMEOUT_MS
  const timeout: RegistryMiddleware = () => ({
    async prepareRequest(next) {
      const request = await next()
      return request.enhance({ timeout: timeoutMs })
    },
  })
  return new SchemaRegistry(
    {
      host: deps.url,
      clientId: 'moca-relay',
      ...(deps.auth
        ? { auth: { username: deps.auth.username, password: deps.auth.password } }
        : {}),
      retry: { retries: DEFAULT_REGISTRY_RETRIES },
      middlewares: [timeout],
    },
    {
      [SchemaType.JSON]: JSON_SCHEMA_OPTIONS,
      [SchemaType.AVRO]: { typeHook: lenientLongHook },
    },
  )
}
