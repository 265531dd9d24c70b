import type { Kafka, Message, Producer, TopicMessages, Transaction } from 'kafkajs'
import { isRelayError, RelayError } from '../errors/relay-error.js'
import { GRANT_ACLS_FIX, isAuthorizationFailure } from './authorization-failure.js'
import type { Logger } from '../ops/logger.js'
import { Murmur2Partitioner } from './murmur2-partitioner.js'
import { COMPRESSION_CODES, type OutputCompression } from './output-compression.js'

export interface OutgoingRecord {
  readonly topic: string
  /** Explicit partition (ledger records go to their input partition); default partitioner otherwise. */
  readonly partition?: number
  readonly key: Buffer | string | null
  readonly value: Buffer | null
  readonly headers?: Readonly<Record<string, string>>
}

export interface OffsetCommit {
  readonly topic: string
  readonly partition: number
  /** The next offset to consume. */
  readonly offset: number
}

/**
 * The transactional producer of one input partition (kafkajs has no KIP-447 fencing, so fencing
 * comes from one transactional id per input partition: opening it aborts whatever a previous
 * owner left open, and makes that owner's next commit fail).
 */
export interface PartitionTransactions {
  readonly transactionalId: string
  /** Writes the records and commits the offset in one transaction; all or nothing. */
  commit(records: readonly OutgoingRecord[], offset: OffsetCommit | null): Promise<void>
  close(): Promise<void>
}

export interface PartitionTransactionsDeps {
  readonly kafka: Kafka
  readonly transactionalId: string
  readonly consumerGroupId: string
  readonly transactionTimeoutMs: number
  /** @default kafkajs's, 5 min */
  readonly metadataMaxAgeMs?: number
  /** The codec of the batches written (kafka.compression). @default 'none' */
  readonly compression?: OutputCompression
  readonly logger: Logger
}

/** kafkajs error types meaning "another producer with this transactional id took over". */
const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED'])

export async function openPartitionTransactions(
  deps: PartitionTransactionsDeps,
): Promise<PartitionTransactions> {
  const producer: Producer = deps.kafka.producer({
    transactionalId: deps.transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    transactionTimeout: deps.transactionTimeoutMs,
    ...(deps.metadataMaxAgeMs === undefined ? {} : { metadataMaxAge: deps.metadataMaxAgeMs }),
    // Java's murmur2 partitioner, as the brokers' other clients use: outputs keyed like the input
    // land where a Java consumer expects them (and kafkajs stops warning about its default).
    createPartitioner: Murmur2Partitioner,
    // The broker answers CONCURRENT_TRANSACTIONS while it writes the previous commit's markers
    // (a few ms). kafkajs's default first retry waits 300 ms, which would cap every partition at a
    // few transactions per second; retry fast instead. Idempotent producers must retry forever.
    retry: {
      initialRetryTime: 10,
      maxRetryTime: 1_000,
      factor: 0.2,
      multiplier: 2,
      retries: Number.MAX_SAFE_INTEGER,
    },
  })
  try {
    await producer.connect()
  } catch (err) {
    throw refused(err, deps.transactionalId) ?? err
  }
  // The fence. connect() sends InitProducerId without the transactional id (kafkajs's idempotent
  // half); the one carrying it, which bumps the epoch and aborts what an earlier owner left open,
  // comes with the first transaction. Begun and aborted empty here (no EndTxn is sent), it is done
  // before the caller measures the ledger: after it, no earlier owner can commit.
  try {
    await (await producer.transaction()).abort()
  } catch (err) {
    await producer.disconnect().catch(() => undefined)
    throw classify(err, deps.transactionalId)
  }
  const compression = COMPRESSION_CODES[deps.compression ?? 'none']
  let closed = false
  return {
    transactionalId: deps.transactionalId,
    async commit(records, offset) {
      if (closed)
        throw new RelayError('KAFKA_FENCED', `transactions of ${deps.transactionalId} are closed`, {
          classification: 'systemic',
        })
      let transaction: Transaction | null = null
      try {
        // beginning one looks up the transaction coordinator, which the authorizer may refuse
        transaction = await producer.transaction()
        if (records.length > 0) {
          await transaction.sendBatch({
            topicMessages: groupByTopic(records),
            acks: -1,
            compression,
          })
        }
        if (offset) {
          await transaction.sendOffsets({
            consumerGroupId: deps.consumerGroupId,
            topics: [
              {
                topic: offset.topic,
                partitions: [{ partition: offset.partition, offset: String(offset.offset) }],
              },
            ],
          })
        }
        await transaction.commit()
      } catch (err) {
        await transaction?.abort().catch(() => undefined)
        throw classify(err, deps.transactionalId)
      }
    },
    async close() {
      if (closed) return
      closed = true
      await producer
        .disconnect()
        .catch((err: unknown) => deps.logger.debug({ err }, 'producer disconnect failed'))
    },
  }
}

function groupByTopic(records: readonly OutgoingRecord[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>()
  for (const record of records) {
    let messages = byTopic.get(record.topic)
    if (!messages) byTopic.set(record.topic, (messages = []))
    const message: Message = { key: record.key, value: record.value }
    if (record.partition !== undefined) message.partition = record.partition
    if (record.headers) message.headers = { ...record.headers }
    messages.push(message)
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }))
}

/** The kafkajs error type, and that of the error its retries gave up on. */
function errorTypes(err: unknown): unknown[] {
  const retried = (err as { originalError?: { type?: unknown } }).originalError
  return [(err as { type?: unknown }).type, retried?.type]
}

/** KAFKA_NOT_AUTHORIZED when the authorizer refused the request, else null. */
function refused(err: unknown, transactionalId: string): RelayError | null {
  const refusal = errorTypes(err).find(isAuthorizationFailure)
  if (refusal === undefined) return null
  // an ACL is missing (the transactional id, or an output topic): nothing fenced this partition
  return new RelayError(
    'KAFKA_NOT_AUTHORIZED',
    `transactions of ${transactionalId} refused (${refusal}): the relay's principal lacks an ACL; ${GRANT_ACLS_FIX}`,
    { classification: 'systemic', cause: err },
  )
}

function classify(err: unknown, transactionalId: string): RelayError {
  const refusal = refused(err, transactionalId)
  if (refusal !== null) return refusal
  // ours, raised inside kafkajs (the partitioner), which may have wrapped it
  const own = [err, (err as { cause?: unknown }).cause].find(isRelayError)
  if (own !== undefined) return own
  if (errorTypes(err).some((type) => typeof type === 'string' && FENCED_TYPES.has(type))) {
    return new RelayError(
      'KAFKA_FENCED',
      `transactional id ${transactionalId} was fenced by a newer owner`,
      {
        classification: 'systemic',
        cause: err,
      },
    )
  }
  return new RelayError(
    'KAFKA_UNAVAILABLE',
    `transaction of ${transactionalId} failed: ${(err as Error).message ?? String(err)}`,
    { classification: 'retryable', cause: err },
  )
}
