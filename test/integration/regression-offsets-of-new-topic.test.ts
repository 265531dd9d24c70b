import type { Admin } from 'kafkajs'
import { describe, expect, it, onTestFinished } from 'vitest'
import { findRecordsPastLedgerRetention } from '../../src/cli/ledger-retention-check.js'
import { resolveOffsets } from '../../src/cli/offset-spec.js'
import { readFailedEvents } from '../../src/cli/read-failed-events.js'
import { captureLogs } from '../support/capture-logs.js'
import { createKafkaTestEnv, type KafkaTestEnv } from '../support/kafka-test-env.js'

/**
 * A KRaft broker publishes a new topic's metadata (naming itself leader) before it has made
 * itself leader of each partition, one after the other: a ListOffsets in between is answered
 * NOT_LEADER_OR_FOLLOWER. With 12 partitions, 15 of 20 reads right after the creation met it on
 * the local stack (with 1 partition, none of 20); each case reads ROUNDS new topics.
 */
const PARTITIONS = 12
const ROUNDS = 3

/** A topic created as the relay creates its topics (leaders waited for), and a new client. */
async function newTopicAndReader(env: KafkaTestEnv, label: string): Promise<[string, Admin]> {
  const topic = await env.createTopic(label, { numPartitions: PARTITIONS })
  // a command is a process of its own, with its own metadata
  const admin = env.kafka.admin()
  onTestFinished(() => admin.disconnect())
  await admin.connect()
  return [topic, admin]
}

describe('regression: the offsets of a topic created a moment ago', () => {
  // The failure: a command run right after the relay created its topics (replay, redrive, the
  // ledger-retention check) exited 70, "unexpected error": kafkajs's admin.fetchTopicOffsets
  // retries UNKNOWN_TOPIC_OR_PARTITION only, and passed on the new partition's leader's
  // "This server is not the leader for that topic-partition" (NOT_LEADER_FOR_PARTITION).
  it('replay --from earliest / a time resolves them, instead of failing with the broker answer', async () => {
    const env = createKafkaTestEnv()
    for (let round = 0; round < ROUNDS; round++) {
      const [topic, admin] = await newTopicAndReader(env, 'input')
      const earliest = await resolveOffsets(admin, topic, { kind: 'earliest' }, 'relay')
      expect([...earliest.values()]).toEqual(Array(PARTITIONS).fill(0))
    }
    for (let round = 0; round < ROUNDS; round++) {
      const [topic, admin] = await newTopicAndReader(env, 'input')
      const since = await resolveOffsets(admin, topic, { kind: 'time', ms: 0 }, 'relay')
      expect([...since.values()]).toEqual(Array(PARTITIONS).fill(0))
    }
  })

  it('redrive reads a failed topic the relay has just created (as empty)', async () => {
    const env = createKafkaTestEnv()
    for (let round = 0; round < ROUNDS; round++) {
      const [topic, admin] = await newTopicAndReader(env, 'failed')
      const failures = await readFailedEvents({
        kafka: env.kafka,
        admin,
        topic,
        groupId: 'relay',
        sinceMs: null,
        registry: null,
        logger: captureLogs('warn').logger,
      })
      expect(failures).toEqual([])
    }
  })

  it("a range run's ledger-retention check reads a ledger the relay has just created", async () => {
    const env = createKafkaTestEnv()
    const input = await env.createTopic('input', { numPartitions: PARTITIONS })
    for (let round = 0; round < ROUNDS; round++) {
      const [ledger, admin] = await newTopicAndReader(env, 'ledger')
      const found = await findRecordsPastLedgerRetention(admin, {
        topic: input,
        ledgerTopic: ledger,
        from: new Map([[0, 0]]),
        to: new Map([[0, 0]]),
        retentionMs: 3_600_000,
        now: Date.now(),
      })
      expect(found).toEqual([])
    }
  })
})
