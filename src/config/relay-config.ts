import { z } from 'zod'
import { DEFAULT_PARTNER_SCOPE, MOCA_BASE_URLS, OnDuplicate } from '../domain/moca-api.js'
import { DEFAULTS } from './defaults.js'
import { confirmLedgerTopic, confirmQueueTopic, issueLedgerTopic } from '../ledger/ledger-topics.js'
import { Duration, LongDuration } from './duration.js'
import { httpUrl } from './http-url.js'
import { OUTPUT_COMPRESSIONS } from '../kafka/output-compression.js'
import { checkMocaBaseUrl } from '../moca/moca-base-url.js'

/**
 * The relay's configuration: one file (YAML or JSON) plus environment variables for endpoints
 * and secrets (see load-config.ts for the overrides). Every field is described so that the README's
 * configuration reference can be generated from this schema (a test keeps them in step).
 */

/**
 * A consumer group or transactional id prefix. Kafka takes any string, so a blank one or a stray
 * space (`groupId: ' moca-relay'`, a YAML slip) would silently name another group than meant.
 */
const KafkaName = (ifBlank: string) =>
  z.string().superRefine((name, ctx) => {
    if (name.trim() === '') ctx.addIssue({ code: 'custom', message: `cannot be blank: ${ifBlank}` })
    else if (name !== name.trim())
      ctx.addIssue({
        code: 'custom',
        message: `"${name}" has leading or trailing whitespace: remove it (Kafka would keep it as part of the name)`,
      })
  })

/** Kafka's own rule for topic names. */
const TopicName = z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, {
  message: 'a topic name is 1–249 characters of letters, digits, ".", "_" and "-"',
})

/** A JSONata expression, compiled at start-up (a syntax error stops start-up). */
const Expression = z.string().min(1)

/**
 * How a credentialSubject field is built: a string is a JSONata expression evaluated against the
 * event (`level`, `user.address.country`, `$event.time`); numbers, booleans and null are
 * constants; `{ $const: … }` is a constant of any type (a literal string, an object); an object is
 * a nested mapping.
 */
export type SubjectMapping =
  | string
  | number
  | boolean
  | null
  | { readonly $const: unknown }
  | { readonly [field: string]: SubjectMapping }
export const SubjectMapping: z.ZodType<SubjectMapping> = z.lazy(() =>
  z.union([
    Expression,
    z.number(),
    z.boolean(),
    z.null(),
    z.strictObject({ $const: z.unknown() }),
    z.record(
      z.string().regex(/^[^$]/, { message: 'field names cannot start with "$"' }),
      SubjectMapping,
    ),
  ]),
)

export const IdempotencyConfig = z
  .discriminatedUnion('mode', [
    z.strictObject({
      mode: z
        .literal('content')
        .describe(
          'SHA-256 over issuerDid, credentialId, email and the canonical credentialSubject: the same content is the same issuance.',
        ),
    }),
    z.strictObject({
      mode: z
        .literal('event-id')
        .describe('Key on the upstream event id: every event issues once.'),
      eventId: Expression.default('$event.id').describe(
        'Expression giving the event id. Default: the CloudEvents id, or the id/eventId field.',
      ),
    }),
  ])
  .default({ mode: 'content' })
  .describe('{ mode: content } (default) or { mode: event-id, eventId: <expression> }.')
export type IdempotencyConfig = z.infer<typeof IdempotencyConfig>

/**
 * Processing order inside a partition (after Confluent's Parallel Consumer): `email` and
 * `record-key` run one command per key at a time, in offset order, and different keys
 * concurrently; `partition` runs one at a time; `unordered` runs everything concurrently;
 * `{ expression }` keys on any value of the event.
 */
export const OrderingConfig = z
  .union([
    z.enum(['email', 'record-key', 'partition', 'unordered']),
    z.strictObject({ expression: Expression }),
  ])
  .default('email')
  .describe(
    'email, record-key, partition, unordered, or { expression }: commands with the same key run one at a time, in offset order.',
  )
export type OrderingConfig = z.infer<typeof OrderingConfig>

export const RouteConfig = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/, {
        message: 'a route name is 1–64 letters, digits, ".", "_" or "-"',
      })
      .describe('Names the route in events, metrics and logs.'),
    topics: z
      .array(TopicName)
      .min(1)
      .superRefine((topics, ctx) => {
        topics.forEach((topic, index) => {
          if (topics.indexOf(topic) !== index)
            ctx.addIssue({
              code: 'custom',
              path: [index],
              message: `${topic} is listed twice: list each topic once`,
            })
        })
      })
      .describe('Input topics this route reads.'),
    filter: Expression.optional().describe(
      'JSONata predicate; events for which it is false are skipped (counted, not failed). The first route whose topics and filter match an event handles it.',
    ),
    program: z
      .strictObject({
        issuerDid: z.string().startsWith('did:', { message: 'an issuer DID starts with "did:"' }),
        credentialId: z.string().min(1).describe('The Issuance Program id.'),
      })
      .describe('The MocaChain issuance program.'),
    email: Expression.default('email').describe(
      'Expression giving the target user email (default: the email field).',
    ),
    credentialSubject: SubjectMapping.optional().describe(
      'How credentialSubject is built: one JSONata expression, or an object whose string leaves are expressions.',
    ),
    credentialSubjectModule: z
      .string()
      .optional()
      .describe(
        'Path (relative to the config file) of an ES module whose default export maps (data, event) to credentialSubject, for mappings an expression cannot say.',
      ),
    onDuplicate: OnDuplicate.default('revoke').describe(
      'What MocaChain does when the user already holds a credential of this program: revoke it and issue anew, or keep it.',
    ),
    idempotency: IdempotencyConfig,
    ordering: OrderingConfig,
  })
  .refine(
    (r) => (r.credentialSubject === undefined) !== (r.credentialSubjectModule === undefined),
    {
      message: 'set exactly one of credentialSubject and credentialSubjectModule',
    },
  )
export type RouteConfig = z.infer<typeof RouteConfig>

/** A backoff whose cap is below its first delay is refused, for the retries and the status polls. */
const delaysInOrder = (backoff: { readonly initialDelay: number; readonly maxDelay: number }) =>
  !(backoff.maxDelay < backoff.initialDelay)
const DELAYS_OUT_OF_ORDER = { message: 'maxDelay must be ≥ initialDelay', path: ['maxDelay'] }

/** A deadline of 0 gives up every call before it is made. */
const isPositive = (ms: number): boolean => ms > 0
const DEADLINE_ZERO = { message: 'deadline must be more than 0 (e.g. 10m)' }
/** The MocaChain client refuses a zero timeout (a zero reads as "no timeout" to undici and to Node's timers). */
const CLIENT_TIMEOUT_ZERO = {
  message: 'must be more than 0: the MocaChain client waits at most this long',
}

/** Below this the ledger forgets issuances a replay, a retry or a confirm still needs. */
const MIN_LEDGER_RETENTION_MS = 3_600_000

/** Paths the ops server answers itself; a JWKS there would never be served. */
const OPS_PATHS = ['/metrics', '/healthz', '/readyz']

export const RetryConfig = z
  .strictObject({
    initialDelay: Duration.default(DEFAULTS.retry.initialDelay).describe(
      'First retry of a retryable MocaChain error.',
    ),
    multiplier: z
      .number()
      .min(1)
      .default(DEFAULTS.retry.multiplier)
      .describe('Each wait is the previous one times this (full jitter).'),
    maxDelay: Duration.default(DEFAULTS.retry.maxDelay).describe('Longest wait between retries.'),
    deadline: Duration.default(DEFAULTS.retry.deadline)
      .describe(
        'After this long failing with retryable errors, the event becomes credential.failed (MOCA_RETRIES_EXHAUSTED).',
      )
      .refine(isPositive, DEADLINE_ZERO),
    maxRetryAfter: Duration.default(DEFAULTS.retry.maxRetryAfter)
      .describe('Upper bound on a Retry-After the server asks for.')
      .refine(isPositive, CLIENT_TIMEOUT_ZERO),
  })
  .refine(delaysInOrder, DELAYS_OUT_OF_ORDER)
  .prefault({})

const PASSWORD_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const
const OAUTH_FIELDS = ['tokenEndpoint', 'clientId', 'clientSecret', 'scope', 'extensions'] as const

/** kafka.sasl once checked: a user and password, or OAuth client credentials (OIDC). */
export type KafkaSaslSettings =
  | {
      readonly mechanism: (typeof PASSWORD_MECHANISMS)[number]
      readonly username: string
      readonly password: string
    }
  | {
      readonly mechanism: 'oauthbearer'
      readonly tokenEndpoint: string
      readonly clientId: string
      readonly clientSecret: string
      readonly scope?: string
      readonly extensions?: Readonly<Record<string, string>>
    }

/**
 * One object for every mechanism (so the README's reference lists each field), checked per
 * mechanism: a field the mechanism does not use is an error, not silently ignored.
 */
const KafkaSasl = z
  .strictObject({
    mechanism: z
      .enum([...PASSWORD_MECHANISMS, 'oauthbearer'])
      .describe(
        'plain and scram-* take username and password; oauthbearer takes OAuth client credentials (tokenEndpoint, clientId, clientSecret).',
      ),
    username: z.string().min(1).optional().describe('plain / scram-*: the SASL user.'),
    password: z
      .string()
      .min(1)
      .optional()
      .describe('plain / scram-*: prefer the KAFKA_SASL_PASSWORD environment variable.'),
    tokenEndpoint: httpUrl('https://idp.example.com/oauth2/token')
      .optional()
      .describe(
        "oauthbearer: the identity provider's OAuth 2 token URL; the relay asks it for a client-credentials token and renews it at 80% of its lifetime.",
      ),
    clientId: z.string().min(1).optional().describe('oauthbearer: the OAuth client id.'),
    clientSecret: z
      .string()
      .min(1)
      .optional()
      .describe('oauthbearer: prefer the KAFKA_SASL_CLIENT_SECRET environment variable.'),
    scope: z
      .string()
      .min(1)
      .optional()
      .describe('oauthbearer: the scope to ask for (space-separated), if the provider needs one.'),
    extensions: z
      .record(
        z.string().regex(/^[A-Za-z]+$/, { message: 'an extension name is letters only' }),
        z.string(),
      )
      .optional()
      .describe(
        "oauthbearer: SASL extensions sent with the token, e.g. Confluent Cloud's { logicalCluster: lkc-…, identityPoolId: pool-… }.",
      ),
  })
  .superRefine((sasl, ctx) => {
    const needs = (field: keyof typeof sasl, hint: string): void => {
      if (sasl[field] === undefined)
        ctx.addIssue({ code: 'custom', path: [field], message: `${sasl.mechanism} needs ${hint}` })
    }
    const unused = (fields: readonly (keyof typeof sasl)[]): void => {
      for (const field of fields) {
        if (sasl[field] !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [field],
            message: `not used by mechanism ${sasl.mechanism}: remove it, or pick the mechanism it belongs to`,
          })
      }
    }
    if (sasl.mechanism === 'oauthbearer') {
      needs('tokenEndpoint', "the identity provider's token URL")
      needs('clientId', 'an OAuth client id')
      needs('clientSecret', 'a client secret (KAFKA_SASL_CLIENT_SECRET)')
      unused(['username', 'password'])
    } else {
      needs('username', 'a username')
      needs('password', 'a password (KAFKA_SASL_PASSWORD)')
      unused(OAUTH_FIELDS)
    }
  })
  .transform((sasl) => sasl as KafkaSaslSettings)

/**
 * Limits a Kafka broker sets by default (server properties): a JoinGroup or an
 * InitProducerId outside them fails with a non-retriable error only once the relay runs, so the
 * schema refuses such values up front. It cannot see a broker configured with wider limits, so it
 * keeps to the defaults', which leave plenty of room around the relay's own defaults.
 */
const BROKER_LIMITS = {
  /** group.min.session.timeout.ms */
  minSessionTimeoutMs: 6_000,
  /** group.max.session.timeout.ms */
  maxSessionTimeoutMs: 1_800_000,
  /** transaction.max.timeout.ms */
  maxTransactionTimeoutMs: 900_000,
} as const

/**
 * One bootstrap broker, host:port. A port out of range passed here and failed only at connect,
 * with kafkajs's own text ("Port should be >= 0 and < 65536").
 */
const Broker = z
  .string()
  .regex(/^[^:\s]+:\d+$/, { message: 'a broker is host:port' })
  .superRefine((broker, ctx) => {
    const port = /:(\d+)$/.exec(broker)?.[1]
    if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535))
      ctx.addIssue({ code: 'custom', message: `port ${port} is out of range (1–65535)` })
  })

export const KafkaConfig = z
  .strictObject({
    brokers: z
      .array(Broker)
      .min(1)
      .default(['127.0.0.1:9092'])
      .describe('Bootstrap brokers. Overridden by KAFKA_BROKERS (comma-separated).'),
    clientId: z
      .string()
      .min(1)
      .default(DEFAULTS.kafka.clientId)
      .describe('Kafka client id, in broker logs and quotas.'),
    groupId: KafkaName(
      `name the consumer group, or leave groupId out for "${DEFAULTS.kafka.groupId}"`,
    )
      .default(DEFAULTS.kafka.groupId)
      .describe('Consumer group of the issue stage; the confirm stage uses <groupId>.confirm.'),
    transactionalIdPrefix: KafkaName('leave transactionalIdPrefix out to use the groupId')
      .optional()
      .describe('Prefix of the per-partition transactional ids (default: the groupId).'),
    transactionTimeout: Duration.default(DEFAULTS.kafka.transactionTimeoutMs)
      .describe(
        'Kafka aborts a transaction a crashed relay left open after this long (read_committed readers wait for it). More than 0, at most 15m (the broker default transaction.max.timeout.ms).',
      )
      .refine((ms) => ms > 0 && ms <= BROKER_LIMITS.maxTransactionTimeoutMs, {
        message: `must be more than 0 and at most 15m: Kafka brokers refuse a longer transaction (transaction.max.timeout.ms, ${BROKER_LIMITS.maxTransactionTimeoutMs} by default)`,
      }),
    sessionTimeout: Duration.default(DEFAULTS.kafka.sessionTimeoutMs)
      .describe(
        'Consumer group session: how long a killed relay holds its partitions before the others take them. 6s to 30m (the broker defaults group.min/max.session.timeout.ms).',
      )
      // The broker's minimum is above the heartbeat interval, so this also keeps kafkajs's rule.
      .refine((ms) => ms >= BROKER_LIMITS.minSessionTimeoutMs, {
        message: `must be at least 6s: Kafka brokers refuse a shorter consumer session (group.min.session.timeout.ms, ${BROKER_LIMITS.minSessionTimeoutMs} by default), and the consumer heartbeats every ${DEFAULTS.kafka.heartbeatIntervalMs / 1000}s`,
      })
      .refine((ms) => ms <= BROKER_LIMITS.maxSessionTimeoutMs, {
        message: `must be at most 30m: Kafka brokers refuse a longer consumer session (group.max.session.timeout.ms, ${BROKER_LIMITS.maxSessionTimeoutMs} by default)`,
      }),
    fetchMaxWait: Duration.default(DEFAULTS.kafka.fetchMaxWaitMs).describe(
      'Longest a fetch waits at the broker for records, and how long a consumer whose partitions are all paused (full in-flight budget) waits before fetching again.',
    ),
    metadataMaxAge: Duration.default(DEFAULTS.kafka.metadataMaxAgeMs).describe(
      "How often the relay's Kafka clients refresh the cluster metadata: a partition added to an input topic is consumed (and its ledger partition added) within this long; its records wait meanwhile.",
    ),
    compression: z
      .enum(OUTPUT_COMPRESSIONS, {
        error: (issue) =>
          issue.input === 'zstd'
            ? 'the relay reads zstd batches but has no zstd compressor to write them (lz4 is the closest)'
            : undefined,
      })
      .default(DEFAULTS.kafka.compression)
      .describe(
        "Codec of the record batches the relay writes (the output topics, its ledgers and confirm queue): none, gzip, snappy or lz4. Every consumer of the output topics must read it: Kafka's Java client and librdkafka read all four; a kafkajs consumer reads gzip, and snappy or lz4 only with a codec registered. The relay reads zstd input but does not write it.",
      ),
    ssl: z
      .union(
        [
          z.boolean(),
          z.strictObject({
            ca: z
              .string()
              .min(1)
              .optional()
              .describe(
                "PEM file of the CA that signed the brokers' certificates (default: the system CAs), relative to the config file.",
              ),
            cert: z
              .string()
              .min(1)
              .optional()
              .describe('PEM file of the client certificate, for brokers that require one (mTLS).'),
            key: z
              .string()
              .min(1)
              .optional()
              .describe(
                "PEM file of the client certificate's private key (not encrypted: protect the file instead).",
              ),
          }),
        ],
        {
          // zod's own text is a bare "Invalid input"; `ssl: 'true'` (quoted) is the likely slip.
          error: (issue) =>
            `${typeof issue.input === 'string' ? `"${issue.input}" is a string: ` : ''}must be true or false (unquoted), or { ca, cert, key }`,
        },
      )
      .default(false)
      .refine(
        (ssl) => typeof ssl === 'boolean' || (ssl.cert === undefined) === (ssl.key === undefined),
        {
          message: 'a client certificate needs both kafka.ssl.cert and kafka.ssl.key',
        },
      )
      .describe(
        'TLS to the brokers: true, or { ca, cert, key }: PEM files (relative to the config file) of a private CA, and of a client certificate and its unencrypted key for brokers that require one (mTLS).',
      ),
    sasl: KafkaSasl.optional(),
  })
  .prefault({})

export const TopicsConfig = z
  .strictObject({
    issued: TopicName.default(DEFAULTS.topics.issued).describe(
      'Output: a credential was issued (accepted by MocaChain).',
    ),
    onchain: TopicName.default(DEFAULTS.topics.onchain).describe(
      'Output: the credential reached ONCHAIN.',
    ),
    failed: TopicName.default(DEFAULTS.topics.failed).describe(
      'Output: an input record or a credential failed, with its reason code.',
    ),
    internalPrefix: z
      .string()
      .regex(/^[a-zA-Z0-9._-]{1,100}$/, {
        message: 'a topic prefix is 1–100 characters of letters, digits, ".", "_" and "-"',
      })
      .default(DEFAULTS.topics.internalPrefix)
      .describe(
        'Internal topics: <prefix>.issue-ledger.<input topic> and <prefix>.confirm-ledger (compacted), <prefix>.confirm-queue.',
      ),
    partitions: z
      .number()
      .int()
      .min(1)
      .default(DEFAULTS.topics.partitions)
      .describe(
        'Partitions of the output and internal topics the relay creates (ledgers follow their input).',
      ),
    replicationFactor: z
      .number()
      .int()
      // 0 was read as -1 (topic-admin takes anything below 1 as "not set"): a typo, not a choice.
      .refine((n) => n === -1 || n >= 1, {
        message: 'must be -1 (min(3, brokers)) or a number of replicas, 1 or more',
      })
      .default(DEFAULTS.topics.replicationFactor)
      .describe('Replication of created topics; -1: min(3, brokers).'),
    create: z
      .boolean()
      .default(true)
      .describe('Create missing output and internal topics at start-up.'),
  })
  .prefault({})

export const MocaConfig = z
  .strictObject({
    baseUrl: z
      // Any string, then the client's rules, which say what is wrong (a z.url() branch added a
      // bare "Invalid URL" line before them). The enum is for the reference. Plain http to
      // another host needs allowInsecureHttp, so the object checks that below.
      .union([z.enum(Object.keys(MOCA_BASE_URLS) as [keyof typeof MOCA_BASE_URLS]), z.string()], {
        error:
          'must be sandbox, production, production-legacy, or a URL ending in /v1, as a string',
      })
      .superRefine((baseUrl, ctx) => {
        const checked = checkMocaBaseUrl(baseUrl, true)
        if (!checked.ok) ctx.addIssue({ code: 'custom', message: checked.problem })
      })
      .default(DEFAULTS.moca.baseUrl)
      .describe(
        'sandbox, production, production-legacy, or a URL (…/v1). Overridden by MOCA_BASE_URL.',
      ),
    partnerId: z
      .string()
      .min(1)
      .describe('Partner ID from the MocaChain dashboard. Overridden by MOCA_PARTNER_ID.'),
    scope: z
      .string()
      .min(1)
      .default(DEFAULT_PARTNER_SCOPE)
      .describe('JWT scope claim; older docs say "issue".'),
    key: z
      .strictObject({
        alg: z
          .enum(['ES256', 'RS256'])
          .default('ES256')
          .describe('ES256 (P-256) or RS256 (RSA ≥ 2048 bits).'),
        kid: z
          .string()
          .min(1)
          .describe('Key id; must match a kid in the JWKS registered with MocaChain.'),
        file: z
          .string()
          .optional()
          .describe(
            'PEM (PKCS#8) or JWK file of the private key, relative to the config file. Or set MOCA_PARTNER_PRIVATE_KEY.',
          ),
      })
      .describe('The partner signing key.'),
    previousKeys: z
      .array(
        z.strictObject({
          kid: z.string().min(1).describe('The kid the key was published under.'),
          alg: z.enum(['ES256', 'RS256']).default('ES256').describe('ES256 (P-256) or RS256.'),
          file: z
            .string()
            .describe('Public or private key file; only public members are published.'),
        }),
      )
      .default([])
      .describe('Keys still published in the JWKS during a rotation, never used to sign.'),
    tokenTtl: Duration.default(DEFAULTS.moca.tokenTtl)
      .describe('Lifetime of each partner JWT (30s–15m); tokens are cached per user.')
      .refine((ms) => ms >= 30_000 && ms <= 900_000, {
        message: 'tokenTtl must be between 30s and 15m (MocaChain tooling refuses longer tokens)',
      }),
    connectTimeout: Duration.default(DEFAULTS.moca.connectTimeout)
      .describe('TCP/TLS connect timeout to MocaChain.')
      .refine(isPositive, CLIENT_TIMEOUT_ZERO),
    requestTimeout: Duration.default(DEFAULTS.moca.requestTimeout)
      .describe(
        'A call unanswered this long is uncertain: it is retried with onDuplicate "ignore".',
      )
      .refine(isPositive, CLIENT_TIMEOUT_ZERO),
    allowInsecureHttp: z
      .boolean()
      .default(false)
      .describe(
        'Allow plain http to a non-loopback MocaChain (a sandbox on a private network); partner JWTs then travel unencrypted.',
      ),
    uncertaintyWindow: Duration.default(DEFAULTS.moca.uncertaintyWindow).describe(
      "After a call MocaChain may still apply (no answer: timeout, reset, crash; or a gateway's answer: 502, 503, 504, a CDN's 52x, a 5xx without MocaChain's own error body), the relay waits until this long after it was sent before asking again with onDuplicate \"ignore\", so a late-landing call is found, not overwritten.",
    ),
    connections: z
      .number()
      .int()
      .min(1)
      .default(DEFAULTS.moca.connections)
      .describe('Size of the HTTP connection pool to MocaChain.'),
    httpClient: z
      .enum(['relay', 'undici'])
      .default(DEFAULTS.moca.httpClient)
      .describe(
        'The HTTP/1.1 connections under MocaChain calls, one per call in flight: "relay", the relay\'s own (about 7 KiB of heap per call in flight in all), or "undici", undici\'s Pool (about 11.5 KiB). Both keep the same timeouts, errors and outcomes; "undici" is the way back should a gateway not get on with the relay\'s own client.',
      ),
    rateLimit: z
      .strictObject({
        perSecond: z
          .number()
          .positive()
          .describe(
            'A cap on requests to MocaChain per second, issue and status calls together (unset: no cap). MocaChain publishes no quota: set it below yours, so a backlog does not meet a storm of 429s.',
          ),
        burst: z
          .number()
          .int()
          .min(1)
          .optional()
          .describe(
            'Requests that may go at once after a quiet spell (default: a tenth of perSecond, at least 1).',
          ),
      })
      .optional(),
  })
  .superRefine((moca, ctx) => {
    // The client's own rules, here so that the error names the field (or MOCA_BASE_URL). Every
    // other problem of the URL is the field's own, reported above.
    if (!checkMocaBaseUrl(moca.baseUrl, true).ok) return
    const checked = checkMocaBaseUrl(moca.baseUrl, moca.allowInsecureHttp, 'moca.allowInsecureHttp')
    if (!checked.ok) ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: checked.problem })
  })

export const RelayConfig = z
  .strictObject({
    kafka: KafkaConfig,
    schemaRegistry: z
      .strictObject({
        url: httpUrl('http://localhost:8081').describe(
          'Confluent-API registry base URL. Overridden by SCHEMA_REGISTRY_URL.',
        ),
        username: z.string().optional().describe('HTTP Basic user (Confluent Cloud: the API key).'),
        password: z.string().optional().describe('Prefer SCHEMA_REGISTRY_PASSWORD.'),
      })
      // Reported on the field that is there, so that the error names its origin: a password
      // from SCHEMA_REGISTRY_PASSWORD is the variable's, not the file's.
      .superRefine((registry, ctx) => {
        if (registry.password !== undefined && registry.username === undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['password'],
            message:
              'a password without schemaRegistry.username: add schemaRegistry.username (Confluent Cloud: the API key), or remove the password (unset SCHEMA_REGISTRY_PASSWORD, or drop schemaRegistry.password)',
          })
        if (registry.username !== undefined && registry.password === undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['username'],
            message:
              'a username without a password: set SCHEMA_REGISTRY_PASSWORD (or schemaRegistry.password), or remove schemaRegistry.username',
          })
      })
      .optional(),
    topics: TopicsConfig,
    output: z
      .strictObject({
        format: z
          .enum(['json', 'avro', 'json-schema'])
          .default('json')
          .describe('Output values: JSON, or registered and encoded through the schema registry.'),
        source: z
          .string()
          .min(1)
          .optional()
          .describe('CloudEvents source (default /moca-relay/<groupId>).'),
      })
      .prefault({}),
    moca: MocaConfig,
    issue: z
      .strictObject({
        maxInFlight: z
          .number()
          .int()
          .min(1)
          .max(100_000)
          .default(DEFAULTS.issue.maxInFlight)
          .describe(
            'Records whose work still runs, per partition; the partition pauses beyond it (or beyond 16 times as many done but not yet committed behind a slow one).',
          ),
        initialInFlight: z
          .number()
          .int()
          .min(1)
          .max(100_000)
          .default(DEFAULTS.issue.initialInFlight)
          .describe(
            'The in-flight budget a partition starts with (after start-up or a rebalance; at most maxInFlight); each commit adds the records it completed, up to maxInFlight.',
          ),
        commitInterval: Duration.default(DEFAULTS.issue.commitInterval).describe(
          'How long intents and outcomes gather before one Kafka transaction commits them.',
        ),
        retry: RetryConfig,
        circuit: z
          .strictObject({
            probeInitialDelay: Duration.default(DEFAULTS.circuit.probeInitialDelay).describe(
              'First probe after a route circuit opens.',
            ),
            probeMaxDelay: Duration.default(DEFAULTS.circuit.probeMaxDelay).describe(
              'Probes double up to this interval while MocaChain keeps refusing.',
            ),
          })
          .refine((c) => !(c.probeMaxDelay < c.probeInitialDelay), {
            message: 'probeMaxDelay must be ≥ probeInitialDelay',
            path: ['probeMaxDelay'],
          })
          .prefault({}),
      })
      .prefault({}),
    confirm: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Run the confirm stage in this process.'),
        maxInFlight: z
          .number()
          .int()
          .min(1)
          .max(1_000_000)
          .default(DEFAULTS.confirm.maxInFlight)
          .describe('Credentials being polled per confirm-queue partition.'),
        initialDelay: Duration.default(DEFAULTS.confirm.initialDelay).describe(
          'First status poll after issuance.',
        ),
        multiplier: z
          .number()
          .min(1)
          .default(DEFAULTS.confirm.multiplier)
          .describe('Each poll interval is the previous one times this.'),
        maxDelay: Duration.default(DEFAULTS.confirm.maxDelay).describe(
          'Longest interval between polls.',
        ),
        deadline: Duration.default(DEFAULTS.confirm.deadline)
          .describe(
            'Not ONCHAIN this long after issuance: credential.failed (CONFIRM_TIMEOUT). Time at an open circuit does not count, and a credential a restarted relay reads past it is polled 90 s more (a quarter of the deadline, if shorter).',
          )
          .refine(isPositive, DEADLINE_ZERO),
        notFoundGrace: Duration.default(DEFAULTS.confirm.notFoundGrace).describe(
          'A status 404 "No credential found for the given hash." this soon after issuance is polled again (a status index that lags the issue call); later, credential.failed (MOCA_STATUS_NOT_FOUND). 0 fails at the first 404.',
        ),
      })
      .refine(delaysInOrder, DELAYS_OUT_OF_ORDER)
      // The first poll waits initialDelay whatever the deadline, and the deadline only stops the
      // polls after it: a shorter deadline would be one poll at initialDelay, then CONFIRM_TIMEOUT
      // saying "not ONCHAIN <deadline> after issuance", which it never was. Equal is one poll.
      .refine((confirm) => !(confirm.deadline < confirm.initialDelay), {
        path: ['deadline'],
        message:
          'confirm.deadline is shorter than confirm.initialDelay, the wait before the first status poll: each credential would get one poll, at initialDelay, and fail with CONFIRM_TIMEOUT unless already ONCHAIN. Set deadline to at least initialDelay',
      })
      .prefault({}),
    ledger: z
      .strictObject({
        retention: LongDuration.default(DEFAULTS.ledger.retention)
          .describe(
            'How long the ledger remembers an issuance; a replay of older events issues again. The ledger is held in memory: ≈ 0.4 KiB per credential of the window (up to 0.6 KiB after a restart); see moca_relay_ledger_entries.',
          )
          .refine((ms) => ms >= MIN_LEDGER_RETENTION_MS, {
            message:
              'retention must be at least 1h (a shorter ledger forgets issuances, and a replay issues them again)',
          }),
      })
      .prefault({}),
    input: z
      .strictObject({
        maxRecordBytes: z
          .number()
          .int()
          .min(1024)
          .default(DEFAULTS.input.maxRecordBytes)
          .describe('Larger input values fail as INPUT_TOO_LARGE.'),
      })
      .prefault({}),
    ops: z
      .strictObject({
        host: z
          .string()
          .min(1)
          .default(DEFAULTS.ops.host)
          .describe('Address of the ops server (0.0.0.0 in a container).'),
        port: z
          .number()
          .int()
          .min(0)
          .max(65535)
          .default(DEFAULTS.ops.port)
          .describe('/healthz, /readyz, /metrics and the JWKS. Overridden by MOCA_RELAY_OPS_PORT.'),
        jwksPath: z
          .string()
          .startsWith('/')
          .default(DEFAULTS.ops.jwksPath)
          .describe('Where the partner JWKS is served (register this URL with MocaChain).')
          .refine((path) => !OPS_PATHS.includes(path), {
            message: `jwksPath must not be ${OPS_PATHS.join(', ')}: the ops server answers those itself (the default is ${DEFAULTS.ops.jwksPath})`,
          }),
      })
      .prefault({}),
    shutdown: z
      .strictObject({
        drainTimeout: Duration.default(DEFAULTS.shutdown.drainTimeout).describe(
          "On SIGTERM, calls under way get this long to finish and commit. 0: no drain; they are abandoned at once and their records processed again by the partition's next owner.",
        ),
      })
      .prefault({}),
    log: z
      .strictObject({
        level: z
          .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
          .default('info')
          .describe('Overridden by LOG_LEVEL.'),
        pretty: z
          .boolean()
          .optional()
          .describe('Readable lines instead of JSON (default: when stdout is a terminal).'),
      })
      .prefault({}),
    routes: z.array(RouteConfig).min(1).describe('How events become credentials; at least one.'),
  })
  .superRefine((config, ctx) => {
    const names = new Set<string>()
    config.routes.forEach((route, index) => {
      if (names.has(route.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['routes', index, 'name'],
          message: `duplicate route name "${route.name}"`,
        })
      }
      names.add(route.name)
    })
    // The first route whose topics and filter match an event takes it: a route listed after one
    // that reads the same topic with no filter never sees that topic's events.
    config.routes.forEach((route, index) => {
      route.topics.forEach((topic, topicIndex) => {
        const earlier = config.routes
          .slice(0, index)
          .findIndex((other) => other.filter === undefined && other.topics.includes(topic))
        if (earlier === -1) return
        const first = config.routes[earlier]!
        ctx.addIssue({
          code: 'custom',
          path: ['routes', index, 'topics', topicIndex],
          message: `route "${route.name}" never sees ${topic}: routes[${earlier}] ("${first.name}") reads it with no filter, and the first route that matches an event takes it. Give "${first.name}" a filter, or move "${route.name}" before it`,
        })
      })
    })
    const outputs = [config.topics.issued, config.topics.onchain, config.topics.failed]
    const prefix = config.topics.internalPrefix
    const internal = [confirmQueueTopic(prefix), confirmLedgerTopic(prefix)]
    const issueLedgers = issueLedgerTopic(prefix, '')
    const outputNames = ['issued', 'onchain', 'failed'] as const
    outputNames.forEach((name, index) => {
      const topic = config.topics[name]
      const earlier = outputNames.slice(0, index).find((other) => config.topics[other] === topic)
      if (earlier !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['topics', name],
          message: `"${topic}" is also topics.${earlier}: each output topic needs a name of its own`,
        })
      }
      if (internal.includes(topic) || topic.startsWith(issueLedgers)) {
        ctx.addIssue({
          code: 'custom',
          path: ['topics', name],
          message: `"${topic}" is one of the relay's internal topics (topics.internalPrefix "${prefix}"): pick another name`,
        })
      }
    })
    config.routes.forEach((route, index) => {
      route.topics.forEach((topic, t) => {
        if (outputs.includes(topic) || topic.startsWith(`${config.topics.internalPrefix}.`)) {
          ctx.addIssue({
            code: 'custom',
            path: ['routes', index, 'topics', t],
            message: `"${topic}" is one of the relay's own output or internal topics; reading it would loop`,
          })
        }
      })
    })
    if (config.moca.uncertaintyWindow < config.moca.requestTimeout) {
      ctx.addIssue({
        code: 'custom',
        path: ['moca', 'uncertaintyWindow'],
        message:
          'uncertaintyWindow must be at least moca.requestTimeout (a call can land until it times out)',
      })
    }
    if (config.output.format !== 'json' && !config.schemaRegistry) {
      ctx.addIssue({
        code: 'custom',
        path: ['output', 'format'],
        message: `format "${config.output.format}" needs a schema registry: set schemaRegistry.url or SCHEMA_REGISTRY_URL`,
      })
    }
  })
export type RelayConfig = z.infer<typeof RelayConfig>
