import { describe, expect, it } from 'vitest'
import { RouteConfig } from '../../src/config/relay-config.js'
import { compileRoutes } from '../../src/domain/compile-routes.js'
import { createInputDecoder } from '../../src/kafka/input-decoder.js'
import { createDryRunStage } from '../../src/pipeline/dry-run-stage.js'
import { replayPolicy } from '../../src/pipeline/ledger-policy.js'
import { createOutcomeTally } from '../../src/pipeline/outcome-tally.js'
import { fastRetryPolicy } from '../support/fast-retry-policy.js'
import { runnerHarness } from '../support/stage-runner-harness.js'

const IN = 'kyc.completed'
const LEDGER = 'relay.issue-ledger.kyc.completed'

const routes = compileRoutes([
  RouteConfig.parse({
    name: 'kyc',
    topics: [IN],
    program: { issuerDid: 'did:air:id:test:issuer', credentialId: 'c-kyc' },
    email: 'user.email',
    credentialSubject: { level: 'level' },
  }),
])

const record = (offset: number) => ({
  offset,
  key: `u${offset}`,
  value: Buffer.from(JSON.stringify({ user: { email: `u${offset}@example.com` }, level: offset })),
})

function dryRunHarness(existingTopics: readonly string[]) {
  const tally = createOutcomeTally()
  const h = runnerHarness({
    input: IN,
    ledger: LEDGER,
    admin: {
      listTopics: async () => [...existingTopics],
      // as the broker answers for a topic it does not have
      fetchTopicOffsets: async (topic: string) => {
        if (!existingTopics.includes(topic))
          throw Object.assign(new Error('This server does not host this topic-partition'), {
            type: 'UNKNOWN_TOPIC_OR_PARTITION',
          })
        return [{ partition: 0, low: '0', high: '0', offset: '0' }]
      },
    },
    deps: {
      dryRun: true,
      startAt: new Map([[`${IN}/0`, 0]]),
      createProcessor: createDryRunStage({
        decoder: createInputDecoder({ registry: null, maxRecordBytes: 1_000_000 }),
        routes,
        retryPolicy: fastRetryPolicy,
        ledgerPolicy: replayPolicy('dryrun-1'),
        metrics: tally,
      }),
    },
  })
  return { h, tally }
}

describe('the stage runner of a dry run', () => {
  it('opens no transactional producer and commits nothing to Kafka, yet completes its range', async () => {
    const { h, tally } = dryRunHarness([IN, LEDGER])
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.settle()
    await h.inputBatch(0, [record(0), record(1), record(2)])
    await h.settle(50)

    expect(h.producers).toEqual([])
    expect(h.committed).toEqual([])
    expect(tally.count('issued')).toBe(3)
    expect(h.runner.partitions).toMatchObject([{ committedOffset: 3, uncommitted: 0 }])
    await h.runner.stop()
  })

  it('reads a ledger topic that does not exist as an empty ledger', async () => {
    const { h, tally } = dryRunHarness([IN])
    await h.runner.start()
    h.join({ [IN]: [0] })
    await h.settle()
    expect(h.runner.ready).toBe(true)
    await h.inputBatch(0, [record(0)])
    await h.settle(50)
    expect(tally.count('issued')).toBe(1)
    await h.runner.stop()
  })

  it('after a rebalance, resumes the partition where it got to (kafkajs, with no commit, would start it over)', async () => {
    const { h, tally } = dryRunHarness([IN, LEDGER])
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.settle()
    await h.inputBatch(0, [record(0), record(1), record(2)])
    await h.settle(50)

    h.join({})
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.settle()
    expect(h.seeks.filter((s) => s.topic === IN).at(-1)?.offset).toBe('3')
    // what kafkajs fetched before the seek took effect is passed over, not judged again
    await h.inputBatch(0, [record(0), record(1), record(2), record(3)])
    await h.settle(50)
    expect({ done: tally.done, wouldIssue: tally.count('issued') }).toEqual({
      done: 4,
      wouldIssue: 4,
    })
    await h.runner.stop()
  })
})
