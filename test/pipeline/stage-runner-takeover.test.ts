import type { Admin } from 'kafkajs'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { RelayError } from '../../src/errors/relay-error.js'
import type { StageRunnerDeps } from '../../src/pipeline/stage-runner.js'
import { deferred, runnerHarness } from '../support/stage-runner-harness.js'

/** The real stage runner taking partitions over, around fake kafkajs clients. */

const IN = 'orders'
const LEDGER = 'relay.issue-ledger.orders'

/** The runner over fake kafkajs, on one input topic whose ledger holds offsets 0 to 4 by default. */
function harness(options: {
  ledgerBounds?: { partition: number; low: number; high: number }[]
  deps?: Partial<StageRunnerDeps>
  admin?: Partial<Admin>
}) {
  return runnerHarness({
    input: IN,
    ledger: LEDGER,
    ledgerBounds: options.ledgerBounds ?? [{ partition: 0, low: 0, high: 5 }],
    ...(options.deps ? { deps: options.deps } : {}),
    ...(options.admin ? { admin: options.admin } : {}),
  })
}

afterEach(() => {
  vi.useRealTimers()
})

describe('the stage runner taking a partition over', () => {
  it('closes the producer of a takeover that finishes after stop(), and starts no worker', async () => {
    const h = harness({})
    await h.runner.start()
    const gate = deferred()
    h.fenceGates.push(gate)
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.flush()
    expect(h.runner.partitions[0]?.state).toBe('starting')
    await h.runner.stop()
    // the fence (InitProducerId) completes after stop() returned
    gate.resolve()
    await h.flush()
    expect(h.producers).toHaveLength(1)
    expect(h.producers[0]?.disconnected).toBe(true)
    expect(
      h.runner.partitions.filter((p) => p.state === 'restoring' || p.state === 'ready'),
    ).toEqual([])
  })

  // Was: the input resumed where kafkajs had read the group's commit at assignment, before the
  // fence. The previous owner's last transaction could still commit its offset after that read
  // (it is fenced only by our InitProducerId), and the records it had committed were read again:
  // the confirm stage, which keeps no ledger entry for an onchain event committed with its
  // offset, published them a second time (relay-rebalance saw 403 onchain events for 400).
  it("resumes the input at the group's commit as it stands after the fence, not at assignment", async () => {
    let committed = 3
    const h = runnerHarness({
      input: IN,
      ledger: LEDGER,
      ledgerBounds: [{ partition: 0, low: 0, high: 5 }],
      committed: () => committed,
    })
    await h.runner.start()
    const fence = deferred()
    h.fenceGates.push(fence)
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.flush()
    // the previous owner's last transaction commits offset 7 while our fence waits for it
    committed = 7
    fence.resolve()
    await h.flush()
    expect(h.seeks).toContainEqual({ topic: IN, partition: 0, offset: '7' })
    expect(h.seeks).not.toContainEqual({ topic: IN, partition: 0, offset: '3' })
  })

  it('takes a replayed partition over on the retry when its start-offset lookup failed once', async () => {
    vi.useFakeTimers()
    let failures = 0
    const h = harness({
      deps: { startAt: new Map([[`${IN}/0`, 3]]) },
      admin: {
        fetchOffsets: (async () => {
          if (failures++ === 0) throw new Error('The coordinator is not aware of this member')
          return [{ topic: IN, partitions: [{ partition: 0, offset: '-1', metadata: null }] }]
        }) as Admin['fetchOffsets'],
      },
    })
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await vi.advanceTimersByTimeAsync(60_000)
    expect(failures).toBe(2)
    expect(h.seeks).toEqual([
      { topic: IN, partition: 0, offset: '3' },
      { topic: LEDGER, partition: 0, offset: '0' },
    ])
    expect(h.runner.partitions[0]?.state).toBe('restoring')
    expect(h.paused.has(`${LEDGER}/0`)).toBe(false)
    // the first attempt's producer was closed
    expect(h.producers.map((p) => p.disconnected)).toEqual([true, false])
  })

  it('unblocking a topic while its partition is starting or restoring keeps it paused', async () => {
    const h = harness({})
    await h.runner.start()
    const gate = deferred()
    h.fenceGates.push(gate)
    h.runner.setTopicBlocked(IN, true, 'circuit open')
    h.join({ [IN]: [0], [LEDGER]: [0] })
    h.runner.setTopicBlocked(IN, false, '')
    expect(h.paused.has(`${IN}/0`)).toBe(true)
    gate.resolve()
    await h.flush()
    expect(h.runner.partitions[0]?.state).toBe('restoring')
    expect(h.paused.has(`${LEDGER}/0`)).toBe(false)
    h.runner.setTopicBlocked(IN, true, 'circuit open')
    h.runner.setTopicBlocked(IN, false, '')
    expect(h.paused.has(`${IN}/0`)).toBe(true)
    expect(h.runner.ready).toBe(false)
    await h.ledgerBatch(0, 4)
    expect(h.runner.ready).toBe(true)
    expect(h.paused.has(`${IN}/0`)).toBe(false)
    expect(h.paused.has(`${LEDGER}/0`)).toBe(true)
  })

  it('a failing takeover stops retrying once the partition is revoked', async () => {
    vi.useFakeTimers()
    let calls = 0
    const h = harness({
      admin: {
        fetchTopicOffsets: (async () => {
          calls++
          throw new Error('not the leader')
        }) as Admin['fetchTopicOffsets'],
      },
    })
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await vi.advanceTimersByTimeAsync(3_000)
    expect(calls).toBeGreaterThan(1)
    h.join({})
    const before = calls
    await vi.advanceTimersByTimeAsync(60_000)
    expect(calls).toBeLessThanOrEqual(before + 1)
  })

  it('closes the producer of every takeover attempt that failed after the fence', async () => {
    vi.useFakeTimers()
    const h = harness({
      admin: {
        fetchTopicOffsets: (async () => {
          throw new Error('This server is not the leader for that topic-partition')
        }) as Admin['fetchTopicOffsets'],
      },
    })
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await vi.advanceTimersByTimeAsync(60_000)
    h.join({})
    await vi.advanceTimersByTimeAsync(1_000)
    expect(h.producers.length).toBeGreaterThan(5)
    expect(h.producers.filter((p) => !p.disconnected)).toEqual([])
  })

  it('a log that starts at its end is restored as empty; the ledger is never resumed', async () => {
    const h = harness({ ledgerBounds: [{ partition: 0, low: 7, high: 7 }] })
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.flush()
    expect(h.runner.ready).toBe(true)
    expect(h.paused.has(`${LEDGER}/0`)).toBe(true)
    expect(h.paused.has(`${IN}/0`)).toBe(false)
  })

  it('rebuilds a partition that keeps failing before it commits after a growing delay, not in a loop', async () => {
    vi.useFakeTimers()
    const h = harness({
      ledgerBounds: [{ partition: 0, low: 0, high: 0 }],
      deps: {
        // every record fails its partition, as an output event the registry's schema refuses does
        createProcessor: (ctx) => ({
          process: () =>
            ctx.fail(
              new RelayError('OUTPUT_ENCODING_FAILED', 'does not fit schema 7', {
                classification: 'systemic',
              }),
            ),
          whenIdle: async () => undefined,
        }),
      },
    })
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await vi.advanceTimersByTimeAsync(10)
    expect(h.producers).toHaveLength(1)
    const failOnce = async (): Promise<void> => {
      await h.inputBatch(0, [{ offset: 0, value: Buffer.from('{}') }])
      await vi.advanceTimersByTimeAsync(10)
    }
    // the first failure is rebuilt at once (one transaction that failed is no pattern)
    await failOnce()
    expect(h.producers).toHaveLength(2)
    // the second waits 1 s, the third 2 s
    await failOnce()
    expect(h.producers).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(h.producers).toHaveLength(3)
    await failOnce()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(h.producers).toHaveLength(3)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(h.producers).toHaveLength(4)
  })
})
