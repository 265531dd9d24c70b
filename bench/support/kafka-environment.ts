import { Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs'
import { readEnv } from '../../src/config/env.js'
import { waitForTopicLeaders } from '../../src/kafka/topic-admin.js'
import { createLocalStack } from '../../src/stack/local-stack.js'
import { resolveStackSettings } from '../../src/stack/stack-settings.js'

/**
 * The broker the bench runs against: KAFKA_BROKERS when set, else the project's local stack
 * (src/stack, as `moca-relay stack up` and the test harness use it), which reuses a broker already
 * answering on its port and is stopped at the end only if this run started it. Every topic and
 * group the run makes starts with the run's prefix and is deleted by close().
 */
export interface KafkaEnvironment {
  readonly brokers: readonly string[]
  /** How the broker was found: "KAFKA_BROKERS", "local stack (reused)", "local stack (started)". */
  readonly origin: string
  readonly kafka: Kafka
  readonly admin: Admin
  /** A plain (non-transactional) producer, acks=-1 per send, for loading input topics. */
  producer(): Promise<Producer>
  createTopic(topic: string, partitions: number): Promise<void>
  /** Remembers a consumer group to delete at close. */
  trackGroup(groupId: string): void
  /** Deletes every topic whose name starts with `prefix`. */
  deleteTopics(prefix: string): Promise<string[]>
  close(): Promise<void>
}

export interface KafkaEnvironmentDeps {
  /** Every topic and group of this run starts with it. */
  readonly runPrefix: string
  readonly report: (line: string) => void
  /** Use these brokers as they are (a broker the caller runs), ignoring KAFKA_BROKERS. */
  readonly brokers?: readonly string[]
  /**
   * Leave the run's topics and groups at close: the broker is thrown away with its data.
   * @default false
   */
  readonly disposableBroker?: boolean
}

export async function openKafkaEnvironment(deps: KafkaEnvironmentDeps): Promise<KafkaEnvironment> {
  const env = readEnv()
  let brokers =
    deps.brokers ??
    env.KAFKA_BROKERS?.split(',')
      .map((b) => b.trim())
      .filter(Boolean)
  let origin = deps.brokers === undefined ? 'KAFKA_BROKERS' : 'given'
  let stopStack: (() => Promise<void>) | null = null
  if (brokers === undefined) {
    const stack = createLocalStack({
      settings: resolveStackSettings(env),
      report: deps.report,
      // attached: Ctrl-C on the bench reaches the broker it started too
      detached: false,
      services: ['kafka'],
    })
    const [result] = await stack.up()
    if (result === undefined) throw new Error('the local stack reported no Kafka broker')
    brokers = [result.status.address]
    origin = `local stack (${result.action})`
    if (result.action === 'started') {
      stopStack = async () => {
        await stack.down()
        deps.report('stopped the Kafka broker this run started')
      }
    }
  }
  const kafka = new Kafka({
    clientId: `${deps.runPrefix}-bench`,
    brokers: [...brokers],
    // Routine retries (coordinator loading, concurrent transactions) are not the bench's news.
    logLevel: logLevel.NOTHING,
  })
  let admin = kafka.admin()
  try {
    await admin.connect()
  } catch (err) {
    await stopStack?.()
    throw new Error(
      `cannot reach Kafka at ${brokers.join(', ')} (${origin}): ${(err as Error).message}. Set KAFKA_BROKERS or run \`npm run stack:up\`.`,
      { cause: err },
    )
  }
  const groups = new Set<string>()
  let sharedProducer: Producer | null = null

  async function deleteTopics(prefix: string): Promise<string[]> {
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix))
    if (mine.length === 0) return mine
    try {
      await admin.deleteTopics({ topics: mine, timeout: 30_000 })
    } catch (err) {
      // kafkajs forgets the topics it asked metadata for only after a delete that succeeded; if
      // the broker removed them anyway (a timeout), every later admin call fails with "This server
      // does not host this topic-partition". A new admin starts with no such memory.
      const stale = admin
      admin = kafka.admin()
      await admin.connect()
      await stale.disconnect().catch(() => undefined)
      throw err
    }
    return mine
  }

  return {
    brokers,
    origin,
    kafka,
    get admin() {
      return admin
    },
    async producer() {
      if (sharedProducer === null) {
        sharedProducer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
        await sharedProducer.connect()
      }
      return sharedProducer
    },
    async createTopic(topic, partitions) {
      // As the relay does: kafkajs's waitForLeaders throws the UNKNOWN_TOPIC_OR_PARTITION a KRaft
      // broker just started answers for a moment ("This server does not host this
      // topic-partition": a chaos broker trial failed on it at set-up).
      await admin.createTopics({
        waitForLeaders: false,
        topics: [{ topic, numPartitions: partitions, replicationFactor: -1 }],
      })
      await waitForTopicLeaders(admin, [topic])
    },
    trackGroup(groupId) {
      groups.add(groupId)
    },
    deleteTopics,
    async close() {
      await sharedProducer?.disconnect().catch(() => undefined)
      if (!deps.disposableBroker) {
        await deleteTopics(deps.runPrefix).catch((err: unknown) =>
          deps.report(`could not delete this run's topics: ${(err as Error).message}`),
        )
        if (groups.size > 0) await admin.deleteGroups([...groups]).catch(() => undefined)
      }
      await admin.disconnect().catch(() => undefined)
      await stopStack?.()
    },
  }
}
