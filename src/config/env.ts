import { z } from 'zod'
import { httpUrl } from './http-url.js'

/**
 * A whole number written in decimal digits and nothing else, from `min` to `max` (no bound: up to
 * Number.MAX_SAFE_INTEGER). Not z.coerce: Number() reads ' ' as 0 (for a port: a random one),
 * '0x50' as 80 and '9e3' as 9000, so a slip would start the relay somewhere else instead of
 * naming the variable.
 */
function digits(what: string, min: number, max?: number) {
  const range = max === undefined ? `${min} or more` : `${min} to ${max}`
  const message = `must be ${what} written in digits, ${range}`
  return z
    .string()
    .refine((text) => parseDigits(text, min, max) !== null, message)
    .transform(Number)
}

/**
 * `text` as a whole number from `min` to `max` when it is written in decimal digits and nothing
 * else (see `digits`), else null: for command-line values too (ports, a token's lifetime).
 */
export function parseDigits(
  text: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | null {
  if (!/^[0-9]+$/.test(text)) return null
  const n = Number(text)
  return n >= min && n <= max ? n : null
}
const port = (min: 0 | 1) => digits('a port number', min, 65535)

/**
 * Every environment variable moca-relay reads. This module and the rest of config/ are the only
 * readers of `process.env` (an ESLint rule enforces it); everything else receives these values.
 * Endpoints and secrets come from here so that one config file serves every environment.
 */
export const RelayEnv = z.object({
  /** Comma-separated bootstrap brokers; when set, no local stack is started. */
  KAFKA_BROKERS: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  /** kafka.sasl.clientSecret for mechanism oauthbearer. */
  KAFKA_SASL_CLIENT_SECRET: z.string().min(1).optional(),
  /** Confluent-API schema registry base URL (Apicurio: …/apis/ccompat/v7). */
  SCHEMA_REGISTRY_URL: httpUrl('http://localhost:8081').optional(),
  SCHEMA_REGISTRY_PASSWORD: z.string().min(1).optional(),
  /** MocaChain base URL or preset (sandbox, production, production-legacy). */
  MOCA_BASE_URL: z.string().min(1).optional(),
  MOCA_PARTNER_ID: z.string().min(1).optional(),
  MOCA_RELAY_OPS_PORT: port(0).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  /**
   * The partner's private signing key: a PEM (one line with literal \n is fine), the base64 body
   * between the PEM markers (as MocaChain's docs keep it in PARTNER_PRIVATE_KEY), or a private JWK
   * as JSON. A secret: never logged, never echoed in an error.
   */
  MOCA_PARTNER_PRIVATE_KEY: z.string().min(1).optional(),

  // ── local stack (`moca-relay stack …`, the test harness) ───────────────────
  /** Address the local broker and registry bind to and advertise. @default '127.0.0.1' */
  STACK_HOST: z.string().min(1).optional(),
  /** Kafka client port of the local stack. @default 9092 */
  STACK_KAFKA_PORT: port(1).optional(),
  /** KRaft controller port of the local stack. @default 9093 */
  STACK_KAFKA_CONTROLLER_PORT: port(1).optional(),
  /** Apicurio Registry HTTP port of the local stack. @default 8081 */
  STACK_REGISTRY_PORT: port(1).optional(),
  /** Where downloads, broker data, pid and log files go. @default '<project>/.stack' */
  STACK_DIR: z.string().min(1).optional(),
  /** How long one service may take to become ready, in ms. @default 120000 */
  STACK_START_TIMEOUT_MS: digits('a whole number of milliseconds', 1).optional(),
  /** A JDK 21+ for Apicurio Registry, tried before JAVA_HOME and /usr/lib/jvm. */
  STACK_REGISTRY_JAVA_HOME: z.string().min(1).optional(),
  /** The JDK the local stack tries first (Kafka needs 17+, Apicurio 21+). */
  JAVA_HOME: z.string().min(1).optional(),
})
export type RelayEnv = z.infer<typeof RelayEnv>

/** Reads and validates the environment once. Throws a ZodError; load-config formats it. */
export function readEnv(env: NodeJS.ProcessEnv = process.env): Readonly<RelayEnv> {
  const picked: Record<string, string | undefined> = {}
  for (const key of Object.keys(RelayEnv.shape)) {
    const value = env[key]
    // An empty variable means "not set": `KAFKA_BROKERS= npm test` must not fail validation.
    picked[key] = value === '' ? undefined : value
  }
  return Object.freeze(RelayEnv.parse(picked))
}
