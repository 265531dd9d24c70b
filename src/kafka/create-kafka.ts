import {
  Kafka,
  logLevel,
  Partitioners,
  type KafkaConfig as KafkajsConfig,
  type LogEntry,
  type ProducerConfig,
} from 'kafkajs'
import type { ConnectionOptions } from 'node:tls'
import type { KafkaSaslSettings } from '../config/relay-config.js'
import type { Logger } from '../ops/logger.js'
import { installCompressionCodecs } from './compression-codecs.js'
import { installCoordinatorCache } from './kafkajs-coordinator-cache.js'
import { installCoordinatorRefusal } from './kafkajs-coordinator-refusal.js'
import { assertReadCommittedFix } from './kafkajs-read-committed-fix.js'
import { createOAuthBearerProvider } from './oauth-token-provider.js'
import { oauthBearerMechanism } from './oauthbearer-authenticator.js'

/**
 * A plain (non-transactional) producer of records keyed as upstream keys them (the samples, the
 * tests' input). Idempotent, because kafkajs resends a broker's whole Produce request when one
 * partition in it fails (NOT_LEADER_OR_FOLLOWER on a topic just created or grown): a plain
 * producer writes the partitions that had succeeded twice, and the broker drops such a resend only
 * for an idempotent one. Bounded retries, so a send to a broker that is gone ends.
 */
export const PLAIN_PRODUCER_CONFIG: ProducerConfig = {
  createPartitioner: Partitioners.DefaultPartitioner,
  idempotent: true,
  retry: { retries: 8 },
}

export interface KafkaSettings {
  readonly brokers: readonly string[]
  readonly clientId: string
  /** true, false, or Node TLS options (a private CA, a client certificate). */
  readonly ssl: boolean | ConnectionOptions
  readonly sasl?: KafkaSaslSettings
}

/**
 * One kafkajs client for the process, logging through pino. kafkajs logs routine group events at
 * INFO ("Consumer has joined the group" on every rebalance); they go to debug here, so the
 * relay's own info lines stay readable.
 */
export function createKafka(settings: KafkaSettings, logger: Logger): Kafka {
  assertReadCommittedFix()
  installCoordinatorCache()
  installCoordinatorRefusal()
  installCompressionCodecs()
  const log = logger.child({ component: 'kafkajs' })
  const config: KafkajsConfig = {
    clientId: settings.clientId,
    brokers: [...settings.brokers],
    ssl: settings.ssl,
    logLevel: logLevel.INFO,
    logCreator: () => (entry: LogEntry) => {
      const { fields, message } = readLogEntry(entry)
      if (isExpectedRetry(message, fields) || isBrokerErrorResponse(entry.namespace, message)) {
        log.debug(fields, message)
        return
      }
      switch (entry.level) {
        case logLevel.ERROR:
          log.error(fields, message)
          break
        case logLevel.WARN:
          log.warn(fields, message)
          break
        default:
          log.debug(fields, message)
      }
    },
  }
  if (settings.sasl) config.sasl = saslOptions(settings.sasl, log)
  return new Kafka(config)
}

function saslOptions(sasl: KafkaSaslSettings, log: Logger): KafkajsConfig['sasl'] {
  if (sasl.mechanism === 'oauthbearer') {
    return oauthBearerMechanism(createOAuthBearerProvider(sasl, { logger: log }))
  }
  return {
    mechanism: sasl.mechanism,
    username: sasl.username,
    password: sasl.password,
  } as KafkajsConfig['sasl']
}

/**
 * A kafkajs log entry as pino fields and a message. kafkajs passes Error objects where text is
 * expected: as the message (`logger.error(e, {…})` when a broker connection fails for good) and as
 * extra fields (`{ error: e }`). JSON keeps none of an Error's message (it is not enumerable) and
 * every enumerable field (`{"name":"KafkaJSConnectionError","retriable":true,…}`, `{}` for a
 * TypeError), and the message argument skips the redaction of log fields. Each Error becomes the
 * text kafkajs writes elsewhere, `name: message`: what the operator needs, and nothing more than
 * the error's own message says (no fields of it, so no SASL settings hung on one).
 */
function readLogEntry(entry: LogEntry): {
  fields: Record<string, unknown>
  message: string
} {
  const { message, ...extra } = entry.log as Record<string, unknown>
  const fields: Record<string, unknown> = { namespace: entry.namespace }
  for (const [name, value] of Object.entries(extra)) {
    fields[name] = value instanceof Error ? errorText(value) : value
  }
  return { fields, message: message instanceof Error ? errorText(message) : String(message) }
}

function errorText(err: Error): string {
  return err.message === '' ? err.name : `${err.name}: ${err.message}`
}

/**
 * kafkajs logs every error code a broker answers with at ERROR ("Response Heartbeat(key: 12,
 * version: 3)" with "The group is rebalancing, so a rejoin is needed" on every rebalance, "This
 * server does not host this topic-partition" for a topic created a moment ago), before the
 * request's caller retries it or fails. The caller's outcome is what counts, and a failure that
 * matters reaches the relay's own log as an error; at ERROR these lines page whoever alerts on
 * error logs for routine events (72 in one scale-out and scale-in). They go to debug.
 */
function isBrokerErrorResponse(namespace: string, message: string): boolean {
  return namespace === 'Connection' && message.startsWith('Response ')
}

/**
 * Right after a commit the broker may still be writing transaction markers and answers
 * CONCURRENT_TRANSACTIONS; kafkajs retries and logs the answer as an error. It is routine.
 */
function isExpectedRetry(message: string, fields: Record<string, unknown>): boolean {
  const text = `${message} ${typeof fields.error === 'string' ? fields.error : ''}`
  return text.includes('another concurrent operation on the same transaction')
}
