import { randomBytes } from 'node:crypto'
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry'
import type { Admin, Kafka } from 'kafkajs'
import type { CredentialFailed } from '../domain/output-events.js'
import { RelayError } from '../errors/relay-error.js'
import { DESCRIBE_ACL_HINT } from '../kafka/topic-admin.js'
import type { Logger } from '../ops/logger.js'
import { readTopicOffsets } from './topic-offsets.js'

export interface ReadFailedOptions {
  readonly kafka: Kafka
  readonly admin: Admin
  readonly topic: string
  /** The relay's kafka.groupId: the reader's group is `<groupId>.redrive-reader.<random>`. */
  readonly groupId: string
  /** Only events written at or after this time (epoch ms). */
  readonly sinceMs: number | null
  /** To decode registry-encoded events (output.format avro / json-schema). */
  readonly registry: SchemaRegistry | null
  readonly logger: Logger
}

/** No new record for this long after the snapshot's end offsets: the read is complete. */
const READ_TIMEOUT_MS = 60_000

/**
 * Reads `credential.failed` up to its current end (a snapshot: failures written while the
 * redrive runs are not picked up), with a throwaway consumer group it deletes afterwards.
 */
export async function readFailedEvents(options: ReadFailedOptions): Promise<CredentialFailed[]> {
  const { admin, topic } = options
  // under the relay's group id, so the one prefixed group ACL of requiredAcls covers it
  const groupId = `${options.groupId}.redrive-reader.${randomBytes(4).toString('hex')}`
  // kafkajs retries a topic the cluster does not have for ~10 s, then throws a bare protocol
  // error ("does not host this topic-partition"). The relay creates this topic when it starts.
  if (!(await admin.listTopics()).includes(topic)) {
    throw new RelayError(
      'KAFKA_TOPIC_MISSING',
      `topics.failed "${topic}" does not exist: the relay creates it when it starts, so no relay with this config has run against this cluster. Check --config, kafka.brokers and topics.failed. ${DESCRIBE_ACL_HINT}`,
      { classification: 'systemic' },
    )
  }
  const offsets = await readTopicOffsets(admin, { topic })
  const end = new Map(offsets.map((p) => [p.partition, Number(p.high)]))
  const start = new Map(offsets.map((p) => [p.partition, Number(p.low)]))
  if ([...end].every(([p, high]) => (start.get(p) ?? high) >= high)) return []
  const events: CredentialFailed[] = []
  const positions = new Map(start)
  const consumer = options.kafka.consumer({ groupId })
  try {
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`reading ${topic} did not finish in ${READ_TIMEOUT_MS / 1000} s`)),
        READ_TIMEOUT_MS,
      )
      const check = (): void => {
        if ([...end].every(([p, high]) => (positions.get(p) ?? 0) >= high)) {
          clearTimeout(timer)
          resolve()
        }
      }
      consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
        positions.set(
          e.payload.partition,
          Math.max(positions.get(e.payload.partition) ?? 0, Number(e.payload.lastOffset) + 1),
        )
        check()
      })
      check()
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          if (Number(message.offset) >= (end.get(partition) ?? 0) || message.value === null) return
          // Filtering by record time reads the whole topic once; failed topics are small, and
          // seeking by time would need admin.setOffsets, which waits out a fetch (5 s).
          if (options.sinceMs !== null && Number(message.timestamp) < options.sinceMs) return
          const event = await decode(message.value, options.registry)
          if (event?.type === 'credential.failed') events.push(event)
          else
            options.logger.warn(
              { partition, offset: message.offset },
              `a record on ${topic} is not a credential.failed event; skipped`,
            )
        },
      })
    })
  } finally {
    await consumer.disconnect()
    await admin.deleteGroups([groupId]).catch(() => undefined)
  }
  return events
}

async function decode(
  value: Buffer,
  registry: SchemaRegistry | null,
): Promise<CredentialFailed | null> {
  try {
    if (value[0] === 0 && registry) return (await registry.decode(value)) as CredentialFailed
    return JSON.parse(value.toString('utf8')) as CredentialFailed
  } catch {
    return null
  }
}
