import type { OutgoingRecord, PartitionTransactions } from '../kafka/partition-transactions.js'
import type { FlushPlan, OffsetTracker, Slot } from './offset-tracker.js'

/**
 * Gathers everything one input partition must make durable — ledger intents before calls,
 * outcomes and output events after them, the offset watermark — and commits it in one Kafka
 * transaction at a time. One transaction per record would cost several broker round trips per
 * event; batching over a short linger keeps that cost per transaction, not per event
 * (Confluent's "~3% at a 100 ms commit interval").
 */
export interface TransactionBatcher {
  /**
   * Stages records for the next transaction. With a slot, the slot completes in that transaction
   * (its offset may then be committed). Resolves once the transaction committed; rejects if it
   * failed, after which the partition must be reset.
   */
  stage(records: readonly OutgoingRecord[], slot?: Slot, options?: StageOptions): Promise<void>
  /** Commits whatever is staged now; resolves when nothing is pending or committing. */
  flush(): Promise<void>
  /** Transactions committed so far (for metrics and tests). */
  readonly transactions: number
}

export interface StageOptions {
  /**
   * Records needed only if the slot's offset is NOT committed in the same transaction, e.g. a
   * ledger entry whose sole job is to dedupe the record when it is read again after a restart. A
   * record the watermark passes in that transaction is never read again, so they are dropped.
   */
  readonly unlessCommitted?: readonly OutgoingRecord[]
}

export interface TransactionBatcherDeps {
  readonly transactions: PartitionTransactions
  readonly tracker: OffsetTracker
  readonly input: { readonly topic: string; readonly partition: number }
  /** How long the first staged record waits for company before its transaction starts. */
  readonly lingerMs: number
  /** After each commit: the budget may have room again. */
  readonly onCommitted: (plan: FlushPlan, records: number) => void
  /** A failed transaction: the partition's state is unknown and must be rebuilt. */
  readonly onFatal: (err: unknown) => void
}

interface Waiter {
  readonly resolve: () => void
  readonly reject: (err: unknown) => void
}

export function createTransactionBatcher(deps: TransactionBatcherDeps): TransactionBatcher {
  let pending: OutgoingRecord[] = []
  let conditional: { readonly slot: Slot; readonly records: readonly OutgoingRecord[] }[] = []
  let waiters: Waiter[] = []
  let firstStagedAt = 0
  let timer: NodeJS.Timeout | null = null
  let committing: Promise<void> | null = null
  let failure: unknown = null
  let transactions = 0
  let idleWaiters: (() => void)[] = []

  const schedule = (): void => {
    if (timer || committing) return
    const delay = Math.max(0, firstStagedAt + deps.lingerMs - Date.now())
    timer = setTimeout(() => {
      timer = null
      committing = commitOnce().finally(() => {
        committing = null
        if (failure === null && (pending.length > 0 || waiters.length > 0)) schedule()
        else if (idleWaiters.length > 0) {
          const resolveAll = idleWaiters
          idleWaiters = []
          for (const resolve of resolveAll) resolve()
        }
      })
    }, delay)
  }

  const commitOnce = async (): Promise<void> => {
    const records = pending
    const batchWaiters = waiters
    const maybe = conditional
    pending = []
    conditional = []
    waiters = []
    const plan = deps.tracker.beginFlush()
    for (const entry of maybe) {
      if (plan.commitOffset === null || entry.slot.offset >= plan.commitOffset)
        records.push(...entry.records)
    }
    if (records.length === 0 && plan.commitOffset === null) {
      for (const waiter of batchWaiters) waiter.resolve()
      return
    }
    try {
      await deps.transactions.commit(
        records,
        plan.commitOffset === null ? null : { ...deps.input, offset: plan.commitOffset },
      )
    } catch (err) {
      failure = err
      for (const waiter of [...batchWaiters, ...waiters]) waiter.reject(err)
      waiters = []
      pending = []
      conditional = []
      deps.onFatal(err)
      return
    }
    transactions++
    deps.tracker.endFlush(plan)
    for (const waiter of batchWaiters) waiter.resolve()
    deps.onCommitted(plan, records.length)
  }

  return {
    stage(records, slot, options) {
      if (failure !== null) return Promise.reject(failure)
      if (pending.length === 0 && waiters.length === 0) firstStagedAt = Date.now()
      for (const record of records) pending.push(record)
      if (slot && options?.unlessCommitted?.length)
        conditional.push({ slot, records: options.unlessCommitted })
      if (slot) deps.tracker.stage(slot)
      const promise = new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }))
      // Callers that only need the commit to happen eventually may drop the promise.
      promise.catch(() => undefined)
      schedule()
      return promise
    },
    flush() {
      if (failure !== null) return Promise.reject(failure)
      if (timer === null && committing === null && pending.length === 0 && waiters.length === 0) {
        return Promise.resolve()
      }
      firstStagedAt = 0
      if (timer) {
        clearTimeout(timer)
        timer = null
        schedule()
      }
      return new Promise((resolve) => idleWaiters.push(resolve))
    },
    get transactions() {
      return transactions
    },
  }
}
