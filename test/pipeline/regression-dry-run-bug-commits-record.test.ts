import { describe, expect, it } from 'vitest'
import { RouteConfig } from '../../src/config/relay-config.js'
import { compileRoutes } from '../../src/domain/compile-routes.js'
import { createInputDecoder } from '../../src/kafka/input-decoder.js'
import type { InputRecord } from '../../src/kafka/input-record.js'
import { createDryRunStage } from '../../src/pipeline/dry-run-stage.js'
import { replayPolicy } from '../../src/pipeline/ledger-policy.js'
import { createOutcomeTally } from '../../src/pipeline/outcome-tally.js'
import { fastRetryPolicy } from '../support/fast-retry-policy.js'
import { runnerHarness } from '../support/stage-runner-harness.js'

/**
 * The failure: when judging a record hit a bug, the dry-run stage called ctx.fail (the partition
 * is rebuilt from its last commit, to judge the record again) and then staged the record's slot
 * anyway, and went on judging the records after it in the dying partition. The slot's offset was
 * committed with the dying worker's last flush, the rebuild resumed past it, and the record was
 * never judged: the summary accounted for fewer records than the range held, and a resumed dry
 * run would never see it either.
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

describe('regression: a bug while a dry run judges a record', () => {
  it('leaves the record to the rebuilt partition, which judges it: every record of the range is counted once', async () => {
    const decoder = createInputDecoder({ registry: null, maxRecordBytes: 1_000_000 })
    let bugs = 1
    const tally = createOutcomeTally()
    const h = runnerHarness({
      input: IN,
      ledger: LEDGER,
      deps: {
        createProcessor: createDryRunStage({
          decoder: {
            async decode(input: InputRecord) {
              if (input.offset === '1' && bugs-- > 0)
                throw new TypeError("Cannot read properties of undefined (reading 'id')")
              return decoder.decode(input)
            },
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
