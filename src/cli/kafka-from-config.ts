import type { Admin, Kafka } from 'kafkajs'
import type { RelayConfig } from '../config/relay-config.js'
import { RelayError } from '../errors/relay-error.js'
import { GRANT_ACLS_FIX, isAuthorizationFailure } from '../kafka/authorization-failure.js'
import { createKafka } from '../kafka/create-kafka.js'
import { causeChain } from '../kafka/kafkajs-error-chain.js'
import { kafkaTlsOptions } from '../kafka/kafka-tls.js'
import type { Logger } from '../ops/logger.js'

/** The kafkajs client a command needs, from the config's brokers, TLS and SASL settings. */
export function createKafkaFromConfig(
  config: RelayConfig,
  logger: Logger,
  clientIdSuffix?: string,
): Kafka {
  return createKafka(
    {
      brokers: config.kafka.brokers,
      clientId: clientIdSuffix
        ? `${config.kafka.clientId}-${clientIdSuffix}`
        : config.kafka.clientId,
      ssl: kafkaTlsOptions(config.kafka.ssl),
      ...(config.kafka.sasl ? { sasl: config.kafka.sasl } : {}),
    },
    logger,
  )
}

/**
 * A command's first contact with Kafka. A failure says which of the two it is: the brokers
 * cannot be reached (KAFKA_UNAVAILABLE), or they refused the SASL credentials or no OAuth token
 * could be had (KAFKA_AUTH_FAILED), each with the settings to fix.
 */
export async function connectAdmin(admin: Admin, config: RelayConfig): Promise<void> {
  try {
    await admin.connect()
  } catch (err) {
    throw kafkaConnectError(config, err)
  }
}

export function kafkaConnectError(config: RelayConfig, err: unknown): RelayError {
  const brokers = config.kafka.brokers.join(', ')
  const causes = causeChain(err)
  const tokenFailure = causes.find(
    (e): e is RelayError => e instanceof RelayError && e.code === 'KAFKA_AUTH_FAILED',
  )
  if (tokenFailure !== undefined) return tokenFailure
  const refusal = causes.find((e) => e.name === 'KafkaJSSASLAuthenticationError')
  const sasl = config.kafka.sasl
  if (refusal !== undefined && sasl !== undefined) {
    const who =
      sasl.mechanism === 'oauthbearer'
        ? `the OAuth token of client ${sasl.clientId}`
        : `SASL ${sasl.mechanism} user ${sasl.username}`
    const fix =
      sasl.mechanism === 'oauthbearer'
        ? `check that the cluster trusts the identity provider behind kafka.sasl.tokenEndpoint, and kafka.sasl.scope and kafka.sasl.extensions`
        : `check kafka.sasl.username, the password in KAFKA_SASL_PASSWORD (or kafka.sasl.password) and kafka.sasl.mechanism`
    return new RelayError(
      'KAFKA_AUTH_FAILED',
      `Kafka at ${brokers} refused ${who}: ${refusal.message}. Fix: ${fix}`,
      { classification: 'systemic', cause: err },
    )
  }
  return new RelayError(
    'KAFKA_UNAVAILABLE',
    `cannot reach Kafka at ${brokers}: ${(err as Error).message}. Check kafka.brokers / KAFKA_BROKERS (\`npm run stack:up\` starts a local broker)`,
    { classification: 'systemic', cause: err },
  )
}

/**
 * A start-up failure the cluster's authorizer caused, as KAFKA_NOT_AUTHORIZED pointing at
 * `moca-relay acls`; any other error is returned as it is.
 */
export function authorizationError(err: unknown): unknown {
  const refused = causeChain(err)
    .map((e) => (e as { type?: unknown }).type)
    .find(isAuthorizationFailure)
  if (refused === undefined) return err
  return new RelayError(
    'KAFKA_NOT_AUTHORIZED',
    `Kafka refused the relay (${refused}): ${(err as Error).message}. Fix: ${GRANT_ACLS_FIX}`,
    { classification: 'systemic', cause: err },
  )
}
