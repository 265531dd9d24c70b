import { describe, expect, it, onTestFinished, vi } from 'vitest'
import type {
  OffsetCommit,
  OutgoingRecord,
  PartitionTransactions,
} from '../../src/kafka/partition-transactions.js'
import { OffsetTracker } from '../../src/pipeline/offset-tracker.js'
import { createTransactionBatcher } from '../../src/pipeline/transaction-batcher.js'

/** Records what each transaction would have written. */
function recordingTransactions(): PartitionTransactions & {
  commits: { records: OutgoingRecord[]; offset: OffsetCommit | null }[]
} {
  const commits: { records: OutgoingRecord[]; offset: OffsetCommit | null }[] = []
  return {
    transactionalId: 'test',
    commits,
    async commit(records, offset) {
      commits.push({ records: [...records], offset })
    },
    async close() {},
  }
}

const record = (value: string): OutgoingRecord => ({
  topic: 't',
  key: null,
  value: Buffer.from(value),
})

/** A batcher over recording transactions, for input partition in/0. */
function recordingBatcher() {
  const transactions = recordingTransactions()
  const tracker = new OffsetTracker()
  const batcher = createTransactionBatcher({
    transactions,
    tracker,
    input: { topic: 'in', partition: 0 },
    lingerMs: 5,
    onCommitted: () => undefined,
    onFatal: () => undefined,
  })
  return { transactions, tracker, batcher }
}

describe('createTransactionBatcher', () => {
  it('commits what was staged together with the watermark, in one transaction', async () => {
    const { transactions, tracker, batcher } = recordingBatcher()
    const [a, b] = [tracker.admit(0), tracker.admit(1)]
    await Promise.all([
      batcher.stage([record('intent')]),
      batcher.stage([record('a')], a),
      batcher.stage([record('b')], b),
    ])
    expect(transactions.commits).toHaveLength(1)
    expect(transactions.commits[0]!.records.map((r) => r.value?.toString())).toEqual([
      'intent',
      'a',
      'b',
    ])
    expect(transactions.commits[0]!.offset).toEqual({ topic: 'in', partition: 0, offset: 2 })
  })

  it('drops "unless committed" records when the same transaction commits past their record, and writes them otherwise', async () => {
    const { transactions, tracker, batcher } = recordingBatcher()
    const [first, second, third] = [tracker.admit(0), tracker.admit(1), tracker.admit(2)]
    // Offset 1 is still running: 0 gets committed, 2 completes beyond the watermark.
    await Promise.all([
      batcher.stage([record('out-0')], first, { unlessCommitted: [record('ledger-0')] }),
      batcher.stage([record('out-2')], third, { unlessCommitted: [record('ledger-2')] }),
    ])
    expect(transactions.commits[0]!.records.map((r) => r.value?.toString())).toEqual([
      'out-0',
      'out-2',
      'ledger-2',
    ])
    expect(transactions.commits[0]!.offset?.offset).toBe(1)
    await batcher.stage([record('out-1')], second)
    expect(transactions.commits[1]!.offset?.offset).toBe(3)
  })

  it('commits what was staged while a transaction was committing in the next one, and frees the budget', async () => {
    vi.useFakeTimers()
    onTestFinished(() => void vi.useRealTimers())
    const commits: (OffsetCommit | null)[] = []
    let release!: () => void
    const firstCommitHeld = new Promise<void>((resolve) => (release = resolve))
    const tracker = new OffsetTracker()
    const released: number[] = []
    const batcher = createTransactionBatcher({
      transactions: {
        transactionalId: 'test',
        async commit(_records, offset) {
          commits.push(offset)
          if (commits.length === 1) await firstCommitHeld
        },
        async close() {},
      },
      tracker,
      input: { topic: 'in', partition: 0 },
      lingerMs: 1,
      onCommitted: (plan) => void released.push(plan.released),
      onFatal: () => undefined,
    })
    const first = batcher.stage([record('a')], tracker.admit(0))
    await vi.advanceTimersByTimeAsync(1)
    expect(commits).toHaveLength(1)
    const second = batcher.stage([record('b')], tracker.admit(1))
    release()
    await vi.advanceTimersByTimeAsync(1)
    await Promise.all([first, second])
    expect(commits.map((c) => c?.offset)).toEqual([1, 2])
    // Both records left the in-flight budget, so a budget-paused partition may resume.
    expect(released).toEqual([1, 1])
    expect(tracker.inFlight).toBe(0)
  })

  it('commits the offset of records skipped without outputs', async () => {
    const { transactions, tracker, batcher } = recordingBatcher()
    await Promise.all([batcher.stage([], tracker.admit(0)), batcher.stage([], tracker.admit(1))])
    expect(transactions.commits).toEqual([
      { records: [], offset: { topic: 'in', partition: 0, offset: 2 } },
    ])
    expect(tracker.inFlight).toBe(0)
  })

  it('fails every waiter and reports once when a transaction fails', async () => {
    const failing: PartitionTransactions = {
      transactionalId: 'x',
      commit: async () => Promise.reject(new Error('fenced')),
      close: async () => undefined,
    }
    const fatal: unknown[] = []
    const tracker = new OffsetTracker()
    const batcher = createTransactionBatcher({
      transactions: failing,
      tracker,
      input: { topic: 'in', partition: 0 },
      lingerMs: 1,
      onCommitted: () => undefined,
      onFatal: (err) => fatal.push(err),
    })
    await expect(batcher.stage([record('x')], tracker.admit(0))).rejects.toThrow('fenced')
    await expect(batcher.stage([record('y')])).rejects.toThrow('fenced')
    expect(fatal).toHaveLength(1)
  })
})
