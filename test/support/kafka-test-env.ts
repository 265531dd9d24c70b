import { randomBytes } from 'node:crypto'
import {
  Kafka,
  logLevel,
  Partitioners,
  type Admin,
  type Consumer,
  type ConsumerConfig,
  type IHeaders,
  type ITopicConfig,
  type Producer,
  type ProducerConfig,
} from 'kafkajs'
import { inject, onTestFinished } from 'vitest'
import { PLAIN_PRODUCER_CONFIG } from '../../src/kafka/create-kafka.js'
import { waitForTopicLeaders } from '../../src/kafka/topic-admin.js'

/**
 * Kafka for one integration test: the broker from the globalSetup, names no other test uses,
 * and everything it creates (topics, clients) removed when the test finishes, pass or fail.
 * Call createKafkaTestEnv() inside the test body.
 */

/** A consumer that has not seen what it waits for by then never will: fail instead of hanging. */
const CONSUME_TIMEOUT_MS = 20_000
/** Short transactions: a test that dies mid-transaction must not stall read_committed readers. */
const TRANSACTION_TIMEOUT_MS = 10_000

/**
 * `t-<random>-<label>`: unique per call, readable in broker logs. TEST_NAME_PREFIX goes in front,
 * so the topics and groups of one engineer's runs on a shared broker can be told apart.
 */
export function uniqueName(label: string): string {
  return `${process.env.TEST_NAME_PREFIX ?? ''}t-${randomBytes(4).toString('hex')}-${label}`
}

export interface ReceivedRecord {
  readonly topic: string
  readonly partition: number
  readonly offset: string
  readonly key: string | null
  /** null for a tombstone. */
  readonly value: Buffer | null
  readonly headers: IHeaders
}

export interface ConsumeOptions {
  readonly topic: string
  /** Stop once this returns true for the records so far. */
  readonly until: (records: readonly ReceivedRecord[]) => boolean
  /** @default a unique group */
  readonly groupId?: string
  /** @default false (read_committed) */
  readonly readUncommitted?: boolean
}

export interface KafkaTestEnv {
  readonly brokers: readonly string[]
  readonly schemaRegistryUrl: string
  readonly kafka: Kafka
  /** Creates a topic (named uniquely from `label`) and waits for its leaders; returns the name. */
  createTopic(label: string, options?: Omit<ITopicConfig, 'topic'>): Promise<string>
  admin(): Promise<Admin>
  producer(config?: ProducerConfig): Promise<Producer>
  /** Idempotent producer with a unique transactionalId and a short transaction timeout. */
  transactionalProducer(): Promise<Producer>
  consumer(config?: Partial<ConsumerConfig>): Promise<Consumer>
  /** Reads `topic` from the beginning with a fresh consumer until `until` holds. */
  consume(options: ConsumeOptions): Promise<ReceivedRecord[]>
}

export function createKafkaTestEnv(
  options: {
    /** Another broker than the suite's (one a test started for itself). */
    readonly brokers?: readonly string[]
  } = {},
): KafkaTestEnv {
  const brokers = options.brokers ? [...options.brokers] : inject('kafkaBrokers')
  const schemaRegistryUrl = inject('schemaRegistryUrl')
  const kafka = new Kafka({
    clientId: uniqueName('client'),
    brokers,
    // kafkajs logs retried, harmless broker answers (coordinator loading, concurrent
    // transactions) at ERROR; a real failure reaches the test as a thrown error anyway
    logLevel: logLevel.NOTHING,
  })
  const clients: { disconnect(): Promise<void> }[] = []
  const topics: string[] = []
  let sharedAdmin: Admin | undefined

  onTestFinished(async () => {
    // clients first: a consumer whose topic vanishes under it logs errors and retries
    await Promise.allSettled(clients.reverse().map((client) => client.disconnect()))
    if (topics.length > 0 && sharedAdmin !== undefined) {
      await sharedAdmin.deleteTopics({ topics }).catch(() => undefined)
    }
    await sharedAdmin?.disconnect()
  })

  async function admin(): Promise<Admin> {
    if (sharedAdmin === undefined) {
      sharedAdmin = kafka.admin()
      await sharedAdmin.connect()
    }
    return sharedAdmin
  }

  async function connected<T extends { connect(): Promise<void>; disconnect(): Promise<void> }>(
    client: T,
  ): Promise<T> {
    clients.push(client)
    await client.connect()
    return client
  }

  async function consumer(config: Partial<ConsumerConfig> = {}): Promise<Consumer> {
    return connected(kafka.consumer({ groupId: uniqueName('group'), ...config }))
  }

  async function consume(options: ConsumeOptions): Promise<ReceivedRecord[]> {
    const reader = await consumer({
      groupId: options.groupId ?? uniqueName('reader'),
      readUncommitted: options.readUncommitted ?? false,
    })
    await reader.subscribe({ topic: options.topic, fromBeginning: true })
    const records: ReceivedRecord[] = []
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `consuming ${options.topic}: condition not met after ${CONSUME_TIMEOUT_MS} ms; got ${records.length} records`,
              ),
            ),
          CONSUME_TIMEOUT_MS,
        )
        reader
          .run({
            eachMessage: async ({ topic, partition, message }) => {
              records.push({
                topic,
                partition,
                offset: message.offset,
                key: message.key?.toString('utf8') ?? null,
                value: message.value,
                headers: message.headers ?? {},
              })
              if (options.until(records)) {
                clearTimeout(timer)
                resolve()
              }
            },
          })
          .catch(reject)
      })
    } finally {
      await reader.stop()
    }
    return records
  }

  return {
    brokers,
    schemaRegistryUrl,
    kafka,
    async createTopic(label, options = {}) {
      const topic = uniqueName(label)
      topics.push(topic)
      const client = await admin()
      // Not kafkajs's waitForLeaders, which throws when a loaded broker answers
      // UNKNOWN_TOPIC_OR_PARTITION for a moment after creating the topic (seen in CI).
      await client.createTopics({
        waitForLeaders: false,
        topics: [{ numPartitions: 1, ...options, topic }],
      })
      await waitForTopicLeaders(client, [topic])
      return topic
    },
    admin,
    // idempotent, as the samples' producer: a resent request writes nothing twice (CI once read
    // 39 records for 30 sends)
    producer: (config = {}) => connected(kafka.producer({ ...PLAIN_PRODUCER_CONFIG, ...config })),
    transactionalProducer: () =>
      connected(
        kafka.producer({
          createPartitioner: Partitioners.DefaultPartitioner,
          transactionalId: uniqueName('tx'),
          idempotent: true,
          maxInFlightRequests: 1,
          transactionTimeout: TRANSACTION_TIMEOUT_MS,
        }),
      ),
    consumer,
    consume,
  }
}
