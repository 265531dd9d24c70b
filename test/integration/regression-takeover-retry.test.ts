import type { Admin } from 'kafkajs'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createSilentLogger } from '../../src/ops/logger.js'
import { noopMetrics } from '../../src/pipeline/relay-metrics.js'
import { createStageRunner } from '../../src/pipeline/stage-runner.js'
import { createKafkaTestEnv, uniqueName } from '../support/kafka-test-env.js'

describe('regression: a partition whose takeover failed once', () => {
  it('is taken over on a retry, without waiting for a rebalance that never comes', async () => {
    // The failure: right after the relay created a ledger topic, reading its end offsets failed
    // ("not the leader for that topic-partition"); the runner logged "retrying after the next
    // rebalance", and alone in its group it never got one: the partition stayed unprocessed and
    // /readyz not ready forever (2 of 15 starts in the benchmark).
    const env = createKafkaTestEnv()
    const input = await env.createTopic('input', { numPartitions: 2 })
    const ledger = await env.createTopic('ledger', {
      numPartitions: 2,
      configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
    })
    const producer = await env.producer()
    await producer.send({
      topic: input,
      messages: Array.from({ length: 10 }, (_, i) => ({
        key: `k${i}`,
        value: `v${i}`,
        partition: i % 2,
      })),
    })

    const admin = await env.admin()
    let failures = 0
    const flakyAdmin = Object.create(admin) as Admin
    flakyAdmin.fetchTopicOffsets = async (topic) => {
      if (topic === ledger && failures === 0) {
        failures++
        throw new Error('This server is not the leader for that topic-partition')
      }
      return admin.fetchTopicOffsets(topic)
    }
    const groupId = uniqueName('group')
    const runner = createStageRunner({
      stage: 'issue',
      kafka: env.kafka,
      admin: flakyAdmin,
      groupId,
      inputTopics: [input],
      ledgerTopicOf: () => ledger,
      transactionalIdOf: (topic, partition) => `${groupId}.${topic}.${partition}`,
      transactionTimeoutMs: 10_000,
      sessionTimeoutMs: 6_000,
      fetchMaxWaitMs: 20,
      maxInFlight: 100,
      lingerMs: 10,
      ledgerRetentionMs: 86_400_000,
      drainMs: 1_000,
      logger: createSilentLogger(),
      metrics: noopMetrics,
      onCrash: (err) => {
        throw err
      },
      // Every record is done at once: what is measured is whether its partition runs at all.
      createProcessor: (ctx) => ({
        process: (_record, slot) => void ctx.batcher.stage([], slot),
        whenIdle: async () => undefined,
      }),
    })
    onTestFinished(() => runner.stop())
    await runner.start()

    await expect
      .poll(
        async () => {
          const committed = await admin.fetchOffsets({ groupId, topics: [input] })
          return committed[0]!.partitions.map((p) => Number(p.offset)).sort()
        },
        { timeout: 30_000 },
      )
      .toEqual([5, 5])
    expect(failures).toBe(1)
    expect(runner.ready).toBe(true)
  })
})
