import { describe, expect, it } from 'vitest'
import { RouteConfig } from '../../src/config/relay-config.js'
import { compileRoutes } from '../../src/domain/compile-routes.js'
import { RelayError } from '../../src/errors/relay-error.js'
import { createInputDecoder } from '../../src/kafka/input-decoder.js'
import type { InputRecord } from '../../src/kafka/input-record.js'
import { createDryRunStage } from '../../src/pipeline/dry-run-stage.js'
import { replayPolicy } from '../../src/pipeline/ledger-policy.js'
import { createOutcomeTally } from '../../src/pipeline/outcome-tally.js'
import type { EventDecoder } from '../../src/pipeline/ports.js'
import { fastRetryPolicy } from '../support/fast-retry-policy.js'
import { runnerHarness } from '../support/stage-runner-harness.js'

/**
 * The stage runner of `replay --dry-run` / `redrive --dry-run`: it changes nothing on the cluster,
 * and it judges every record of its range once, as a real run would.
 */

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

const realDecoder = createInputDecoder({ registry: null, maxRecordBytes: 1_000_000 })

/**
 * A dry run of one partition from offset 0, over a cluster holding `existingTopics`; offset 1 is
 * decoded by `decodeOffset1` when given.
 */
function dryRunHarness(
  options: {
    existingTopics?: readonly string[]
    decodeOffset1?: EventDecoder['decode']
  } = {},
) {
  const existingTopics = options.existingTopics ?? [IN, LEDGER]
  const decodeOffset1 = options.decodeOffset1 ?? ((input: InputRecord) => realDecoder.decode(input))
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
        decoder: {
          decode: (input: InputRecord) =>
            input.offset === '1' ? decodeOffset1(input) : realDecoder.decode(input),
        },
        routes,
        retryPolicy: fastRetryPolicy,
        ledgerPolicy: replayPolicy('dryrun-1'),
        metrics: tally,
      }),
    },
  })
  return { h, tally }
}

/** Runs a dry run over offsets 0..2 (offset 1 decoded by `decodeOffset1`) to its end. */
async function dryRunOver(decodeOffset1: EventDecoder['decode']) {
  const { h, tally } = dryRunHarness({ decodeOffset1 })
  await h.runner.start()
  h.join({ [IN]: [0], [LEDGER]: [0] })
  await h.settle()
  await h.inputBatch(0, [record(0), record(1), record(2)])
  await h.settle(50)
  const partitions = h.runner.partitions
  await h.runner.stop()
  return { tally, partitions, seeks: h.seeks.filter((s) => s.topic === IN) }
}

describe('the stage runner of a dry run', () => {
  it('opens no transactional producer and commits nothing to Kafka, yet completes its range', async () => {
    const { h, tally } = dryRunHarness()
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
    const { h, tally } = dryRunHarness({ existingTopics: [IN] })
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
    const { h, tally } = dryRunHarness()
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

/**
 * The failure: when judging a record hit a bug, the dry-run stage called ctx.fail (the partition
 * is rebuilt from its last commit, to judge the record again) and then staged the record's slot
 * anyway, and went on judging the records after it in the dying partition. The slot's offset was
 * committed with the dying worker's last flush, the rebuild resumed past it, and the record was
 * never judged: the summary accounted for fewer records than the range held, and a resumed dry
 * run would never see it either.
 */
describe('regression: a bug while a dry run judges a record', () => {
  it('leaves the record to the rebuilt partition, which judges it: every record of the range is counted once', async () => {
    let bugs = 1
    const { h, tally } = dryRunHarness({
      async decodeOffset1(input) {
        if (bugs-- > 0) throw new TypeError("Cannot read properties of undefined (reading 'id')")
        return realDecoder.decode(input)
      },
    })
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.settle()
    const range = [record(0), record(1), record(2)]
    await h.inputBatch(0, range)
    await h.settle(50)

    // kafkajs delivers again from where the rebuilt partition was moved to
    const resumeAt = Number(h.seeks.filter((s) => s.topic === IN).at(-1)?.offset ?? 3)
    const again = range.filter((r) => r.offset >= resumeAt)
    if (again.length > 0) await h.inputBatch(0, again)
    await h.settle(50)
    await h.runner.stop()

    expect({ done: tally.done, wouldIssue: tally.count('issued') }).toEqual({
      done: 3,
      wouldIssue: 3,
    })
    expect(resumeAt, 'the rebuild resumes at the record the bug left unjudged').toBe(1)
  })
})

/**
 * The failure: `replay --dry-run` / `redrive --dry-run` decoded records its own way, not as the
 * issue stage does, so its summary did not say what a real run would do. A record met while the
 * schema registry was unavailable (a retryable error, which the issue stage waits out) was counted
 * as "would fail" with SCHEMA_REGISTRY_UNAVAILABLE; and a decoder error that was not a RelayError
 * (which the issue stage fails as INPUT_UNDECODABLE) was taken for a bug: the partition was
 * rebuilt, the record judged again and again, and never counted.
 */
describe('regression: a dry run decodes a record as the issue stage does', () => {
  it('waits out an unavailable schema registry and counts the record as would-issue, not would-fail', async () => {
    let attempts = 0
    const { tally, partitions } = await dryRunOver(async (input) => {
      if (++attempts === 1)
        throw new RelayError('SCHEMA_REGISTRY_UNAVAILABLE', 'the schema registry timed out', {
          classification: 'retryable',
        })
      return realDecoder.decode(input)
    })

    expect({
      done: tally.done,
      wouldIssue: tally.count('issued'),
      wouldFail: tally.count('failed'),
    }).toEqual({ done: 3, wouldIssue: 3, wouldFail: 0 })
    expect(attempts, 'decoded again after the registry came back').toBe(2)
    expect(partitions).toMatchObject([{ committedOffset: 3, uncommitted: 0 }])
  })

  it('counts a decoder error that is not a RelayError as would-fail with INPUT_UNDECODABLE, not as a bug', async () => {
    const { tally, partitions, seeks } = await dryRunOver(async () => {
      throw new Error('Unexpected end of Avro data')
    })

    expect({
      done: tally.done,
      wouldIssue: tally.count('issued'),
      wouldFail: Object.fromEntries(tally.byCode('failed')),
    }).toEqual({ done: 3, wouldIssue: 2, wouldFail: { INPUT_UNDECODABLE: 1 } })
    expect(partitions).toMatchObject([{ committedOffset: 3, uncommitted: 0 }])
    expect(
      seeks.map((s) => s.offset),
      'no rebuild sent the partition back to the record',
    ).not.toContain('1')
  })
})
