import { describe, expect, it } from 'vitest'
import type { MocaClient } from '../../src/moca/moca-client.js'
import { encodeConfirmRequest } from '../../src/pipeline/confirm-request.js'
import { captureLogs } from '../support/capture-logs.js'
import { confirmRequest, testConfirmStage, TOPICS } from '../support/confirm-harness.js'
import { runnerHarness } from '../support/stage-runner-harness.js'

/**
 * Was: a confirm request of a newer version (a newer relay's issue stage wrote it during a
 * rolling upgrade) was skipped and its offset committed by an older relay's confirm stage, so its
 * credential never got its credential.onchain or credential.failed. Like any systemic failure the
 * partition must stop at the record and be rebuilt from it, never pass it, until a relay that
 * reads it takes the partition over.
 */

const IN = 'relay.confirm-queue'
const LEDGER = 'relay.confirm-ledger'

describe('the confirm stage runner at a record written by a newer relay', () => {
  it('rebuilds the partition from that record, commits nothing past it, and says to upgrade', async () => {
    const polled: string[] = []
    const moca: MocaClient = {
      issue: () => Promise.reject(new Error('never')),
      async status(call) {
        polled.push(call.coreClaimHash)
        return { coreClaimHash: call.coreClaimHash, vcStatus: 'ONCHAIN' }
      },
      close: async () => undefined,
    }
    const logs = captureLogs()
    const h = runnerHarness({
      input: IN,
      ledger: LEDGER,
      stage: 'confirm',
      deps: { logger: logs.logger, createProcessor: testConfirmStage(moca) },
    })
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.settle()

    // Issued long enough ago that each is polled at once.
    const issuedAt = Date.now() - 60_000
    const request = (key: string) =>
      confirmRequest({ idempotencyKey: key, coreClaimHash: `hash-${key}`, issuedAt })
    const before = { offset: 0, value: encodeConfirmRequest(request('a')) }
    const newer = { offset: 1, value: Buffer.from(JSON.stringify({ ...request('b'), v: 2 })) }
    const after = { offset: 2, value: encodeConfirmRequest(request('c')) }
    await h.inputBatch(0, [before, newer, after])
    await h.settle(50)

    const outputs = () => h.committed.flatMap((t) => t.records).filter((r) => r.topic !== LEDGER)
    const committedOffset = () => Math.max(...h.committed.map((t) => t.offset ?? -1))
    expect(outputs().map((r) => r.topic)).toEqual([TOPICS.onchain])
    expect(committedOffset()).toBe(1)
    expect(h.seeks.filter((s) => s.topic === IN).at(-1)).toMatchObject({ offset: '1' })

    // The rebuilt partition reads the record again, and stops at it again.
    await h.inputBatch(0, [newer, after])
    await h.settle(50)
    expect(outputs().map((r) => r.topic)).toEqual([TOPICS.onchain])
    expect(committedOffset()).toBe(1)
    expect(polled).toEqual(['hash-a'])

    // Each time the partition reads it, the log says why it stops and what to do.
    const said = logs.lines.filter((l) =>
      /written by a newer relay: upgrade this relay/.test(String(l.msg)),
    )
    expect(said).toHaveLength(2)
    expect(said[0]).toMatchObject({ level: 'warn', code: 'CONFIRM_REQUEST_NEWER_VERSION' })
    // and each stop is one error line, the runner's, naming the record
    expect(logs.lines.filter((l) => l.level === 'error')).toMatchObject([
      { msg: /^partition stopped: CONFIRM_REQUEST_NEWER_VERSION/, offset: '1' },
      { msg: /^partition stopped: CONFIRM_REQUEST_NEWER_VERSION/, offset: '1' },
    ])
    await h.runner.stop()
  })
})
