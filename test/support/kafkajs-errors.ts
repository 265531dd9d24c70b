import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

/** kafkajs's own protocol error for a Kafka error code, as its response decoders throw it. */
export const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as {
  createErrorFromCode(code: number): Error
}

/** kafkajs's own error classes (KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded…). */
export const kafkajsErrors = require('kafkajs/src/errors.js') as Record<
  string,
  new (e: unknown, options?: Record<string, unknown>) => Error
>
