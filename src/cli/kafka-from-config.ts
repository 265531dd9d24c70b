import type { Kafka } from 'kafkajs'
import type { RelayConfig } from '../config/relay-config.js'
import { createKafka } from '../kafka/create-kafka.js'
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
