import type { Admin, ITopicConfig } from 'kafkajs'
import { setTimeout as sleep } from 'node:timers/promises'
import { RelayError } from '../errors/relay-error.js'
import type { Logger } from '../ops/logger.js'
import { GRANT_ACLS_FIX, isAuthorizationFailure } from './authorization-failure.js'

/** kafkajs's own createTopics waits this long for leaders; a topic another client made gets the same. */
const TOPIC_READY_TIMEOUT_MS = 30_000
/** Metadata of a new topic reaches a broker within a few hundred ms. */
const TOPIC_READY_POLL_MS = 100

export interface TopicSpec {
  readonly topic: string
  readonly partitions: number
  /** Topic configs, e.g. cleanup.policy. */
  readonly config?: Readonly<Record<string, string>>
}

export interface CoPartitionedSpec {
  /** The topic whose partitioning the ledger follows; it must already exist. */
  readonly home: string
  readonly ledger: string
  readonly config: Readonly<Record<string, string>>
}

export interface TopicAdminDeps {
  readonly admin: Admin
  /** -1: min(3, brokers in the cluster). */
  readonly replicationFactor: number
  readonly logger: Logger
}

/** Ledger topics: the latest state per key, forgotten after the retention window. */
export function ledgerTopicConfig(retentionMs: number): Record<string, string> {
  return {
    'cleanup.policy': 'compact,delete',
    'retention.ms': String(retentionMs),
    // Smaller segments let compaction and retention act within the window, not after it.
    'segment.ms': String(Math.min(retentionMs, 86_400_000)),
  }
}

/** Partition counts of existing topics; missing topics are absent from the map. */
export async function partitionCounts(
  admin: Admin,
  topics: readonly string[],
): Promise<Map<string, number>> {
  const existing = new Set(await admin.listTopics())
  const present = topics.filter((t) => existing.has(t))
  const counts = new Map<string, number>()
  if (present.length === 0) return counts
  const metadata = await admin.fetchTopicMetadata({ topics: present })
  for (const topic of metadata.topics) counts.set(topic.name, topic.partitions.length)
  return counts
}

/** What a topic that looks missing may also be. */
export const DESCRIBE_ACL_HINT =
  "On a cluster with ACLs, topics the relay's principal may not Describe look missing too: `moca-relay acls` lists what it needs"

/** Input topics belong to upstream: the relay checks they exist and never creates them. */
export async function requireTopics(
  admin: Admin,
  topics: readonly string[],
): Promise<Map<string, number>> {
  const counts = await partitionCounts(admin, topics)
  const missing = topics.filter((t) => !counts.has(t))
  if (missing.length > 0) {
    throw new RelayError(
      'KAFKA_TOPIC_MISSING',
      `input topic${missing.length > 1 ? 's' : ''} ${missing.map((t) => `"${t}"`).join(', ')} do${missing.length > 1 ? '' : 'es'} not exist: create ${missing.length > 1 ? 'them' : 'it'} (the producers' topics), or fix routes[].topics. ${DESCRIBE_ACL_HINT}`,
      { classification: 'systemic' },
    )
  }
  return counts
}

/** Creates the topics that are missing; leaves existing ones as they are. */
export async function ensureTopics(
  deps: TopicAdminDeps,
  specs: readonly TopicSpec[],
): Promise<void> {
  const counts = await partitionCounts(
    deps.admin,
    specs.map((s) => s.topic),
  )
  const missing = specs.filter((s) => !counts.has(s.topic))
  if (missing.length === 0) return
  const replicationFactor = await effectiveReplication(deps)
  const topics: ITopicConfig[] = missing.map((spec) => ({
    topic: spec.topic,
    numPartitions: spec.partitions,
    replicationFactor,
    configEntries: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
  }))
  // Not kafkajs's waitForLeaders: it retries LEADER_NOT_AVAILABLE only, and a fresh broker may
  // answer UNKNOWN_TOPIC_OR_PARTITION for a moment; and at TOPIC_ALREADY_EXISTS (a relay of the
  // same group starting at the same moment created them first) it does not wait at all.
  const created = await deps.admin.createTopics({ topics, waitForLeaders: false })
  await waitForTopicLeaders(
    deps.admin,
    missing.map((s) => s.topic),
  )
  if (created) deps.logger.info({ topics: missing.map((s) => s.topic) }, 'created topics')
}

/** Waits until every partition of `topics` has a leader (the topics exist for clients). */
export async function waitForTopicLeaders(
  admin: Admin,
  topics: readonly string[],
  timeoutMs = TOPIC_READY_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last: unknown = null
  for (;;) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: [...topics] })
      const ready =
        found.length === topics.length &&
        found.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))
      if (ready) return
    } catch (err) {
      // only "not there yet" is worth waiting for; anything else is the caller's to handle
      if (!isTopicNotYetKnown(err)) throw err
      last = err
    }
    if (Date.now() >= deadline) {
      throw new RelayError(
        'KAFKA_UNAVAILABLE',
        `topics ${topics.join(', ')} exist but have no leader after ${timeoutMs} ms${last === null ? '' : ` (${(last as Error).message})`}`,
        { classification: 'retryable', cause: last ?? undefined },
      )
    }
    await sleep(TOPIC_READY_POLL_MS)
  }
}

/**
 * Creates each ledger with its home topic's partition count, and grows it when the home topic
 * grew. Ledger records name their partition explicitly (= the input partition), so adding
 * partitions moves no existing key.
 */
export async function ensureCoPartitioned(
  deps: TopicAdminDeps,
  specs: readonly CoPartitionedSpec[],
): Promise<void> {
  const counts = await partitionCounts(
    deps.admin,
    specs.flatMap((s) => [s.home, s.ledger]),
  )
  const toCreate: TopicSpec[] = []
  for (const spec of specs) {
    const home = counts.get(spec.home)
    if (home === undefined) {
      throw new RelayError('KAFKA_TOPIC_MISSING', `topic "${spec.home}" does not exist`, {
        classification: 'systemic',
      })
    }
    const ledger = counts.get(spec.ledger)
    if (ledger === undefined) {
      toCreate.push({ topic: spec.ledger, partitions: home, config: spec.config })
    } else if (ledger < home) {
      await growCoPartitioned(deps, spec, { from: ledger, to: home })
    }
  }
  await ensureTopics(deps, toCreate)
}

/**
 * Grows the ledger of `spec` when it lacks `partition`: its home topic grew while the relay ran,
 * after start-up grew the ledgers. Called before a worker of home partition `partition` fences and
 * restores: a missing ledger partition would be restored as empty, and its records refused
 * (KAFKA_PARTITION_MISSING). A new partition is empty, so nothing is lost by creating it now.
 */
export async function ensureLedgerPartition(
  deps: Omit<TopicAdminDeps, 'replicationFactor'>,
  spec: Omit<CoPartitionedSpec, 'config'>,
  partition: number,
): Promise<void> {
  const counts = await partitionCounts(deps.admin, [spec.home, spec.ledger])
  const ledger = counts.get(spec.ledger)
  if (ledger === undefined) {
    throw new RelayError(
      'KAFKA_TOPIC_MISSING',
      `ledger topic "${spec.ledger}" does not exist, or the relay may not Describe it: the relay creates it at start-up (restart it); \`moca-relay acls\` lists the ACLs it needs`,
      { classification: 'systemic' },
    )
  }
  if (partition < ledger) return
  // The home topic's count, so its next partitions need no growth of their own.
  const to = Math.max(counts.get(spec.home) ?? 0, partition + 1)
  await growCoPartitioned(deps, spec, { from: ledger, to })
  await waitForTopicLeaders(deps.admin, [spec.ledger])
}

/**
 * Adds partitions to a ledger, `from` its count `to` the one it needs. Another relay of the group
 * (or another worker of this one) may have grown it a moment before: Kafka then answers
 * INVALID_PARTITIONS, and that is success if it has enough.
 */
async function growCoPartitioned(
  deps: Omit<TopicAdminDeps, 'replicationFactor'>,
  spec: Omit<CoPartitionedSpec, 'config'>,
  { from, to: count }: { from: number; to: number },
): Promise<void> {
  try {
    await deps.admin.createPartitions({ topicPartitions: [{ topic: spec.ledger, count }] })
  } catch (err) {
    const type = (err as { type?: unknown }).type
    if (isAuthorizationFailure(type)) {
      throw new RelayError(
        'KAFKA_NOT_AUTHORIZED',
        `Kafka refused to add partitions to "${spec.ledger}" (${type}), which must have as many as "${spec.home}" (${count}): grant the relay's principal Alter on it (${GRANT_ACLS_FIX}), or grow it yourself: kafka-topics.sh --alter --topic ${spec.ledger} --partitions ${count}`,
        { classification: 'systemic', cause: err },
      )
    }
    if (type !== 'INVALID_PARTITIONS') throw err
    const now = (await partitionCounts(deps.admin, [spec.ledger])).get(spec.ledger) ?? 0
    if (now < count) throw err
    return
  }
  deps.logger.info(
    { topic: spec.ledger, home: spec.home, from, to: count },
    'grew the ledger with its input topic',
  )
}

async function effectiveReplication(deps: TopicAdminDeps): Promise<number> {
  const cluster = await deps.admin.describeCluster()
  return replicationFor(deps.replicationFactor, cluster.brokers.length)
}

/**
 * The replication factor of the topics the relay creates on a cluster of `brokers` live brokers:
 * -1 is min(3, brokers) (kafkajs speaks CreateTopics v3, which predates "-1 = broker default",
 * KIP-464). One above the broker count is a CONFIG_INVALID naming topics.replicationFactor, where
 * Kafka's own answer (INVALID_REPLICATION_FACTOR) reached the operator as a stack trace.
 */
export function replicationFor(replicationFactor: number, brokers: number): number {
  if (replicationFactor <= 0) return Math.min(3, brokers)
  if (replicationFactor <= brokers) return replicationFactor
  throw new RelayError(
    'CONFIG_INVALID',
    `topics.replicationFactor is ${replicationFactor}, but the Kafka cluster has ${brokers} live broker${brokers === 1 ? '' : 's'}: set it to at most ${brokers}, or to -1 (min(3, brokers)), or start the missing brokers`,
    { classification: 'systemic' },
  )
}

/**
 * True for what a broker answers about a topic it created a moment ago but has not put in its
 * metadata yet: KRaft brokers learn new topics asynchronously, so a metadata request right after
 * CreateTopics can get UNKNOWN_TOPIC_OR_PARTITION. kafkajs's `createTopics({ waitForLeaders })`
 * retries only LEADER_NOT_AVAILABLE and throws this one.
 */
export function isTopicNotYetKnown(err: unknown): boolean {
  const type = (err as { type?: unknown } | null)?.type
  return type === 'UNKNOWN_TOPIC_OR_PARTITION' || type === 'LEADER_NOT_AVAILABLE'
}
