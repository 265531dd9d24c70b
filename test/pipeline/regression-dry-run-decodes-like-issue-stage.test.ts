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
 * The failure: `replay --dry-run` / `redrive --dry-run` decoded records its own way, not as the
 * issue stage does, so its summary did not say what a real run would do. A record met while the
 * schema registry was unavailable (a retryable error, which the issue stage waits out) was counted
 * as "would fail" with SCHEMA_REGISTRY_UNAVAILABLE; and a decoder error that was not a RelayError
 * (which the issue stage fails as INPUT_UNDECODABLE) was taken for a bug: the partition was
 * rebuilt, the record judged again and again, and never counted.
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

/** Runs a dry run over offsets 0..2 of one partition, offset 1 decoded by `decodeOffset1`. */
async function dryRunOver(decodeOffset1: EventDecoder['decode']) {
  const real = createInputDecoder({ registry: null, maxRecordBytes: 1_000_000 })
  const tally = createOutcomeTally()
  const h = runnerHarness({
    input: IN,
    ledger: LEDGER,
    admin: { listTopics: async () => [IN, LEDGER] },
    deps: {
      dryRun: true,
      startAt: new Map([[`${IN}/0`, 0]]),
      createProcessor: createDryRunStage({
        decoder: {
          decode: (input: InputRecord) =>
            input.offset === '1' ? decodeOffset1(input) : real.decode(input),
        },
        routes,
        retryPolicy: fastRetryPolicy,
        ledgerPolicy: replayPolicy('dryrun-1'),
        metrics: tally,
      }),
    },
  })
  await h.runner.start()
  h.join({ [IN]: [0], [LEDGER]: [0] })
  await h.settle()
  await h.inputBatch(0, [record(0), record(1), record(2)])
  await h.settle(50)
  const partitions = h.runner.partitions
  await h.runner.stop()
  return { tally, partitions, seeks: h.seeks.filter((s) => s.topic === IN) }
}

describe('regression: a dry run decodes a record as the issue stage does', () => {
  it('waits out an unavailable schema registry and counts the record as would-issue, not would-fail', async () => {
    const real = createInputDecoder({ registry: null, maxRecordBytes: 1_000_000 })
    let attempts = 0
    const { tally, partitions } = await dryRunOver(async (input) => {
      if (++attempts === 1)
        throw new RelayError('SCHEMA_REGISTRY_UNAVAILABLE', 'the schema registry timed out', {
          classification: 'retryable',
        })
      return real.decode(input)
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
