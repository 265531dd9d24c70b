import { Kafka, logLevel, type Admin } from 'kafkajs'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startDedicatedBroker } from '../../bench/chaos/dedicated-broker.js'
import { findActiveRangeRuns } from '../../src/cli/active-range-runs.js'
import { resolveOffsets } from '../../src/cli/offset-spec.js'
import { readGroupCommits } from '../../src/cli/run-commits.js'
import { createKafkaTestEnv, uniqueName } from '../support/kafka-test-env.js'

/**
 * Group reads by clients of their own, as the processes of a CI run make them, one every
 * STAGGER_MS: the coordinator loads for a moment after __consumer_offsets is created (50 to
 * 200 ms here), and a few of them start then.
 */
const CALLERS = 40
const STAGGER_MS = 15

describe('regression: the first group reads on a broker that has just started', () => {
  it('wait while the group coordinator loads, instead of failing with its answer', async () => {
    // The failure: `moca-relay replay --dry-run`, the first command of a CI run on a fresh broker
    // to read a consumer group, exited 70 ("unexpected error"): kafkajs's admin.fetchOffsets found
    // the coordinator (__consumer_offsets had just been created) and passed on its OffsetFetch
    // answer, "The coordinator is loading and hence can't process requests for this group"
    // (GROUP_LOAD_IN_PROGRESS), or NOT_COORDINATOR_FOR_GROUP, without retrying.
    const broker = await startDedicatedBroker(() => undefined)
    onTestFinished(() => broker.remove())
    const env = createKafkaTestEnv({ brokers: [broker.address] })
    const topic = await env.createTopic('input', { numPartitions: 2 })
    // As the CI test did: records written first, so the topic's leader serves its offsets (a
    // ListOffsets right after the creation may still answer "not the leader").
    const producer = await env.producer()
    await producer.send({
      topic,
      acks: -1,
      messages: [0, 1].map((partition) => ({ partition, key: `k${partition}`, value: 'v' })),
    })
    const groupId = uniqueName('relay')

    const kafka = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING })
    const connect = async (): Promise<Admin> => {
      const admin = kafka.admin()
      onTestFinished(() => admin.disconnect())
      await admin.connect()
      return admin
    }

    // Nothing has created __consumer_offsets before these reads.
    const outcomes = await Promise.allSettled(
      Array.from({ length: CALLERS }, async (_, i) => {
        await sleep(i * STAGGER_MS)
        const admin = await connect()
        if (i % 3 === 0) return readGroupCommits(admin, `${groupId}.run-${i}`, topic)
        if (i % 3 === 1) return resolveOffsets(admin, topic, { kind: 'live' }, groupId)
        return findActiveRangeRuns(admin, groupId)
      }),
    )

    const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [String(o.reason)] : []))
    expect(failures).toEqual([])
  }, 60_000)
})
