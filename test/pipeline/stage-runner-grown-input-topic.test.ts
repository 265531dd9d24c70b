import type { Admin } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { captureLogs } from '../support/capture-logs.js'
import { runnerHarness } from '../support/stage-runner-harness.js'

const IN = 'orders'
const LEDGER = 'relay.issue-ledger.orders'

/**
 * The input topic has two partitions and its ledger one: the topic grew while the relay ran.
 * `createPartitions` answers as the cluster would: it grows the ledger, or throws `refusal`.
 */
function grownInputTopic(refusal?: Error & { type: string }) {
  let ledgerPartitions = 1
  const grown: { topic: string; count: number }[] = []
  const partitions = (count: number) =>
    Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0 }))
  const admin: Partial<Admin> = {
    listTopics: async () => [IN, LEDGER],
    fetchTopicMetadata: (async ({ topics = [] }: { topics?: string[] } = {}) => ({
      topics: topics.map((name) => ({
        name,
        partitions: partitions(name === LEDGER ? ledgerPartitions : 2),
      })),
    })) as Admin['fetchTopicMetadata'],
    createPartitions: (async ({ topicPartitions }) => {
      if (refusal) throw refusal
      for (const { topic, count } of topicPartitions) {
        grown.push({ topic, count })
        if (topic === LEDGER) ledgerPartitions = count
      }
      return true
    }) as Admin['createPartitions'],
    fetchTopicOffsets: (async () =>
      partitions(ledgerPartitions).map((p) => ({
        partition: p.partitionId,
        low: '0',
        high: '0',
        offset: '0',
      }))) as Admin['fetchTopicOffsets'],
  }
  return { admin, grown }
}

describe('the stage runner on an input partition its ledger does not have', () => {
  it('grows the ledger before it fences, restores or admits anything, and says so', async () => {
    // Regression: the worker of a partition added to the input topic while the relay ran found no
    // ledger partition, restored it as empty, and the ledger records it wrote were dropped.
    const { admin, grown } = grownInputTopic()
    const { logger, lines } = captureLogs()
    const h = runnerHarness({ input: IN, ledger: LEDGER, admin, deps: { logger } })
    await h.runner.start()
    h.join({ [IN]: [1], [LEDGER]: [] })
    await h.settle()

    expect(grown).toEqual([{ topic: LEDGER, count: 2 }])
    expect(h.runner.partitions).toMatchObject([{ partition: 1, state: 'ready', stoppedBy: null }])
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'grew the ledger with its input topic',
        topic: LEDGER,
        home: IN,
        from: 1,
        to: 2,
      }),
    )
    await h.runner.stop()
  })

  it('without Alter on the ledger, stops the partition with KAFKA_NOT_AUTHORIZED naming the fix, and reads nothing from it', async () => {
    const refusal = Object.assign(new Error('Topic authorization failed'), {
      type: 'TOPIC_AUTHORIZATION_FAILED',
    })
    const { admin } = grownInputTopic(refusal)
    const { logger, lines } = captureLogs()
    const h = runnerHarness({ input: IN, ledger: LEDGER, admin, deps: { logger } })
    await h.runner.start()
    h.join({ [IN]: [1], [LEDGER]: [] })
    await h.settle()

    const [status] = h.runner.partitions
    expect(status).toMatchObject({ partition: 1, state: 'starting' })
    expect(status?.paused).toContain('restoring')
    expect(status?.stoppedBy?.code).toBe('KAFKA_NOT_AUTHORIZED')
    expect(status?.stoppedBy?.message).toContain(
      `kafka-topics.sh --alter --topic ${LEDGER} --partitions 2`,
    )
    // no producer was opened: the partition was not fenced, and nothing can be committed
    expect(h.producers).toHaveLength(0)
    expect(await h.inputBatch(1, [{ offset: 0, value: Buffer.from('{}') }])).toEqual([])
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        err: expect.objectContaining({ code: 'KAFKA_NOT_AUTHORIZED' }),
      }),
    )
    await h.runner.stop()
  })
})
