import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import { AvroDecimalText } from './avro-decimal.js'
import { lenientLongHook } from './avro-long.js'
import { createProducerSchemaCompiler, nameJsonReference } from './producer-json-schema.js'

type RegistryClientArgs = ConstructorParameters<typeof SchemaRegistry>[0]
type RegistryMiddleware = NonNullable<RegistryClientArgs['middlewares']>[number]
type JsonSchemaOptions = NonNullable<
  Extract<ConstructorParameters<typeof SchemaRegistry>[1], { [SchemaType.JSON]?: unknown }>
>[SchemaType.JSON]

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
 * The registry client the codecs expect: a per-request timeout, few client-side retries, a reader
 * of producers' JSON Schemas in the draft each names (producer-json-schema.ts), Avro longs read
 * as JSON numbers are (avro-long.ts), and Avro decimals read as their exact text (avro-decimal.ts).
 */
export function createSchemaRegistry(deps: SchemaRegistryClientDeps): SchemaRegistry {
  const timeoutMs = deps.timeoutMs ?? DEFAULT_REGISTRY_TIMEOUT_MS
  const timeout: RegistryMiddleware = () => ({
    async prepareRequest(next) {
      const request = await next()
      return request.enhance({ timeout: timeoutMs })
    },
  })
  return new ReferenceNamingSchemaRegistry(
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
      [SchemaType.JSON]: {
        // Typed as an ajv 7 instance; the client calls only addSchema (ignoring its result) and
        // compile.
        ajvInstance:
          createProducerSchemaCompiler() as unknown as NonNullable<JsonSchemaOptions>['ajvInstance'],
      },
      [SchemaType.AVRO]: { typeHook: lenientLongHook, logicalTypes: { decimal: AvroDecimalText } },
    },
  )
}

/**
 * The client, with each JSON Schema reference it fetches wrapped in an envelope naming it
 * (nameJsonReference), for producer-json-schema.ts to resolve a "$ref" by that name, as
 * Confluent does. The client itself hands its JSON compiler the referenced schemas without
 * their names.
 */
class ReferenceNamingSchemaRegistry extends SchemaRegistry {
  override async getreferencedSchemasFromReference(
    ...[reference, ...rest]: Parameters<SchemaRegistry['getreferencedSchemasFromReference']>
  ): ReturnType<SchemaRegistry['getreferencedSchemasFromReference']> {
    const schemas = await super.getreferencedSchemasFromReference(reference, ...rest)
    // The referenced schema comes last, after the schemas it references in turn.
    const last = schemas.at(-1)
    if (last?.type !== SchemaType.JSON) return schemas
    return [
      ...schemas.slice(0, -1),
      { ...last, schema: nameJsonReference(last.schema, reference.name) },
    ]
  }
}
