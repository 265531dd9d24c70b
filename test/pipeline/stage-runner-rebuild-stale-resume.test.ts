import { describe, expect, it } from 'vitest'
import type { OutputEvent } from '../../src/domain/output-events.js'
import { RelayError } from '../../src/errors/relay-error.js'
import type { MocaClient } from '../../src/moca/moca-client.js'
import { confirmRequest, testConfirmStage, TOPICS } from '../support/confirm-harness.js'
import { runnerHarness } from '../support/stage-runner-harness.js'

/**
 * A task bug (here: the registry refuses one credential.onchain event, OUTPUT_ENCODING_FAILED)
 * makes the worker die. The stage runner reads `worker.resumeOffset` at that moment, then
 * `worker.stop(0)` flushes the batcher: the outcomes staged by the partition's other keys commit
 * WITH a newer input offset, and the ONCHAIN ledger entries staged `unlessCommitted` are dropped
 * because that offset passes them. The rebuild then seeks back to the stale offset, re-reads
 * those records with no ledger entry to dedupe them, and publishes credential.onchain again.
 */

const IN = 'relay.confirm-queue'
const LEDGER = 'relay.confirm-ledger'

const requestA = confirmRequest({
  idempotencyKey: 'key-a',
  email: 'a@example.com',
  orderingKey: 'a@example.com',
  coreClaimHash: 'hash-a',
})
const requestB = confirmRequest({
  idempotencyKey: 'key-b',
  email: 'b@example.com',
  orderingKey: 'b@example.com',
  coreClaimHash: 'hash-b',
})

describe('rebuilding a partition after a task bug', () => {
  it('publishes credential.onchain once per credential (the rebuild resumes at the offset the dying worker committed)', async () => {
    const moca: MocaClient = {
      issue: () => Promise.reject(new Error('never')),
      status: async (call) => ({ coreClaimHash: call.coreClaimHash, vcStatus: 'ONCHAIN' }),
      close: async () => undefined,
    }
    const encoder = {
      async encode(event: OutputEvent, context: { key: Buffer | null }) {
        // the registry answers after a moment, and refuses user b's event
        await new Promise((r) => setTimeout(r, 2))
        if ((event as { idempotencyKey?: string }).idempotencyKey === 'key-b')
          throw new RelayError('OUTPUT_ENCODING_FAILED', 'does not fit schema 7', {
            classification: 'systemic',
          })
        return { key: context.key, value: Buffer.from(JSON.stringify(event)), headers: {} }
      },
    }
    const h = runnerHarness({
      input: IN,
      ledger: LEDGER,
      stage: 'confirm',
      deps: { createProcessor: testConfirmStage(moca, { encode: encoder.encode }) },
    })
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.settle()
    expect(h.runner.ready).toBe(true)

    const a = { offset: 0, key: 'user-a', value: Buffer.from(JSON.stringify(requestA)) }
    const b = { offset: 1, key: 'user-b', value: Buffer.from(JSON.stringify(requestB)) }
    await h.inputBatch(0, [a, b])
    await h.settle(50)

    // The dying worker committed a's credential.onchain with input offset 1 …
    const committedOffset = Math.max(...h.committed.map((t) => t.offset ?? -1))
    expect(committedOffset).toBe(1)
    // … and the rebuild moved the consumer to:
    const rebuildSeek = h.seeks.filter((s) => s.topic === IN).at(-1)
    expect(rebuildSeek).toBeDefined()

    // kafkajs now delivers from the seek position to the new worker
    const resumeAt = Number(rebuildSeek!.offset)
    await h.inputBatch(
      0,
      [a].filter((r) => r.offset >= resumeAt),
    )
    await h.settle(50)

    const onchainA = h.committed
      .flatMap((t) => t.records)
      .filter((r) => r.topic === TOPICS.onchain && r.key === 'user-a')
    expect(
      onchainA,
      `the rebuild sought to ${resumeAt} below the committed ${committedOffset}`,
    ).toHaveLength(1)
    expect(resumeAt).toBeGreaterThanOrEqual(committedOffset)
    await h.runner.stop()
  })
})
