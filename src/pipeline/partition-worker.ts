import { setMaxListeners } from 'node:events'
import type { InputRecord } from '../kafka/input-record.js'
import type { PartitionTransactions } from '../kafka/partition-transactions.js'
import { createLedgerPartition, type LedgerPartition } from '../ledger/ledger-partition.js'
import type { Logger } from '../ops/logger.js'
import { OffsetTracker, type Slot } from './offset-tracker.js'
import type { RelayMetrics, StageName } from './relay-metrics.js'
import { createTransactionBatcher, type TransactionBatcher } from './transaction-batcher.js'

/** What a stage's per-partition logic gets to work with. */
export interface PartitionContext {
  readonly stage: StageName
  readonly topic: string
  readonly partition: number
  readonly ledgerTopic: string
  readonly ledger: LedgerPartition
  readonly batcher: TransactionBatcher
  /**
   * Aborted when the worker starts stopping (revoked, shutdown): start no new call, stop waiting
   * on retries and circuits. Calls already under way may finish and stage their outcome.
   */
  readonly stopping: AbortSignal
  /** Aborted when the worker is gone: cancel calls under way too; stage nothing more. */
  readonly signal: AbortSignal
  readonly logger: Logger
  /**
   * Stops the partition at a record it cannot finish (a bug, or a systemic error such as an
   * output event its schema refuses): it is rebuilt from its last commit, after a growing delay.
   * The runner logs it, with the offset of the record it stopped at when one is given.
   */
  fail(err: unknown, offset?: number | string): void
}

/**
 * A stage task threw. While the partition is alive that is a bug: it is logged as one and the
 * partition rebuilt from its last commit. Once the partition is gone (its transaction failed, it
 * was revoked) every task still waiting on it fails with the partition's own error, which was
 * logged where it happened: those tasks were abandoned, not buggy.
 */
export function onTaskError(ctx: PartitionContext, err: unknown, offset: number): void {
  if (ctx.signal.aborted) {
    ctx.logger.debug({ err, offset }, `${ctx.stage} task abandoned with its partition`)
    return
  }
  ctx.fail(err, offset)
}

/** A stage's logic for one partition (issue-stage.ts, confirm-stage.ts). */
export interface PartitionProcessor {
  /**
   * One admitted record, in offset order. The processor must eventually stage the slot through
   * the batcher (with outputs, or with none for a skip), or the watermark stops at it.
   */
  process(record: InputRecord, slot: Slot): void
  /** Resolves when no task of this partition is running any more (after the signal aborted). */
  whenIdle(): Promise<void>
}

export type CreatePartitionProcessor = (context: PartitionContext) => PartitionProcessor

export const WorkerState = { restoring: 'restoring', ready: 'ready', stopped: 'stopped' } as const
export type WorkerState = (typeof WorkerState)[keyof typeof WorkerState]

/** What killed a worker: one of its transactions failed, or its stage failed it (`ctx.fail`). */
export const FailureOrigin = { transaction: 'transaction', stage: 'stage' } as const
export type FailureOrigin = (typeof FailureOrigin)[keyof typeof FailureOrigin]

export interface PartitionWorkerDeps {
  readonly stage: StageName
  readonly topic: string
  readonly partition: number
  readonly ledgerTopic: string
  readonly transactions: PartitionTransactions
  readonly createProcessor: CreatePartitionProcessor
  readonly lingerMs: number
  readonly ledgerRetentionMs: number
  /** The in-flight budget the worker starts with (≤ maxInFlight). */
  readonly initialInFlight: number
  /** The most the budget grows to: every commit adds the records it completed (a slow start). */
  readonly maxInFlight: number
  /** Ledger end offset read after the fence: restore is complete once the ledger is read up to it. */
  readonly restoreTarget: number
  readonly logger: Logger
  readonly metrics: RelayMetrics
  /** The budget may have room again (a transaction committed). */
  readonly onCommitted: (worker: PartitionWorker) => void
  /**
   * A transaction failed, or the stage failed the partition: the worker is dead; the runner
   * decides what comes next.
   */
  readonly onFatal: (
    worker: PartitionWorker,
    err: unknown,
    origin: FailureOrigin,
    /** The record the stage stopped at, if it named one. */
    offset?: number | string,
  ) => void
}

/**
 * One input partition owned by this process: fenced (its transactional producer is open),
 * restoring its ledger, then processing records. Stopped when revoked, on a fatal transaction
 * error or a failure its stage reports, or at shutdown; a stopped worker is never reused.
 */
export class PartitionWorker {
  readonly topic: string
  readonly partition: number
  readonly ledgerTopic: string
  readonly tracker = new OffsetTracker()
  readonly ledger: LedgerPartition
  private readonly deps: PartitionWorkerDeps
  private readonly abort = new AbortController()
  private readonly stopRequest = new AbortController()
  private readonly batcher: TransactionBatcher
  private processor: PartitionProcessor | null = null
  private restoredTo = 0
  private stateValue: WorkerState = WorkerState.restoring
  /** The first offset this worker admitted: where to resume if it dies before committing. */
  private firstOffset: number | null = null
  private budgetValue: number

  constructor(deps: PartitionWorkerDeps) {
    this.deps = deps
    this.topic = deps.topic
    this.partition = deps.partition
    this.ledgerTopic = deps.ledgerTopic
    this.ledger = createLedgerPartition({ retentionMs: deps.ledgerRetentionMs })
    this.budgetValue = deps.initialInFlight
    // Every in-flight record waits on these signals (sleeps, circuit, HTTP): thousands of listeners
    // are the design, not a leak.
    setMaxListeners(0, this.abort.signal, this.stopRequest.signal)
    this.batcher = createTransactionBatcher({
      transactions: deps.transactions,
      tracker: this.tracker,
      input: { topic: deps.topic, partition: deps.partition },
      lingerMs: deps.lingerMs,
      onCommitted: (plan, records) => {
        this.budgetValue = Math.min(this.budgetValue + plan.released, deps.maxInFlight)
        deps.metrics.committed(deps.stage, records)
        deps.onCommitted(this)
      },
      onFatal: (err) => this.die(err, FailureOrigin.transaction),
    })
    if (deps.restoreTarget <= 0) this.becomeReady()
  }

  private die(err: unknown, origin: FailureOrigin, offset?: number | string): void {
    if (this.abort.signal.aborted) return
    this.stopRequest.abort(err)
    this.abort.abort(err)
    this.deps.onFatal(this, err, origin, offset)
  }

  /** Records this partition may have admitted and not committed; the partition pauses beyond it. */
  get budget(): number {
    return this.budgetValue
  }

  get state(): WorkerState {
    return this.stateValue
  }

  get signal(): AbortSignal {
    return this.abort.signal
  }

  /** Where consumption must resume if this worker's uncommitted work is thrown away. */
  get resumeOffset(): number | null {
    return this.tracker.lastCommittedOffset ?? this.firstOffset
  }

  /** Applies ledger records read during restore; `lastOffset` counts control records too. */
  applyLedger(
    records: readonly { key: Buffer | null; value: Buffer | null }[],
    lastOffset: number,
  ): void {
    if (this.stateValue !== WorkerState.restoring) return
    for (const record of records) {
      if (record.key) this.ledger.applyRecord(record.key.toString('utf8'), record.value)
    }
    this.advanceRestore(lastOffset)
  }

  /** The ledger partition's position moved past `lastOffset` (e.g. a batch of control records). */
  advanceRestore(lastOffset: number): void {
    if (this.stateValue !== WorkerState.restoring) return
    this.restoredTo = Math.max(this.restoredTo, lastOffset + 1)
    if (this.restoredTo >= this.deps.restoreTarget) this.becomeReady()
  }

  private becomeReady(): void {
    this.stateValue = WorkerState.ready
    if (this.ledger.unreadable > 0) {
      this.deps.logger.warn(
        { ledgerTopic: this.ledgerTopic, unreadable: this.ledger.unreadable },
        'ledger records this version cannot read were skipped (written by a newer relay?)',
      )
    }
    this.deps.logger.info({ ledgerEntries: this.ledger.size }, 'partition restored')
    this.processor = this.deps.createProcessor({
      stage: this.deps.stage,
      topic: this.topic,
      partition: this.partition,
      ledgerTopic: this.ledgerTopic,
      ledger: this.ledger,
      batcher: this.batcher,
      stopping: this.stopRequest.signal,
      signal: this.abort.signal,
      logger: this.deps.logger,
      fail: (err, offset) => this.die(err, FailureOrigin.stage, offset),
    })
  }

  /** Admits one record. The caller checked `state === ready` and the budget. */
  admit(record: InputRecord): void {
    const processor = this.processor
    if (!processor)
      throw new Error(
        `partition ${this.topic}/${this.partition} admitted a record before it was ready`,
      )
    const offset = Number(record.offset)
    this.firstOffset ??= offset
    const slot = this.tracker.admit(offset)
    processor.process(record, slot)
  }

  /**
   * Stops the worker. With `drainMs` > 0, running calls get that long to finish and their outcomes
   * are committed; then everything still waiting is abandoned (its offset stays uncommitted, its
   * ledger intent — if any — makes the next owner recover it).
   */
  async stop(drainMs: number): Promise<void> {
    if (this.stateValue === WorkerState.stopped) return
    this.stateValue = WorkerState.stopped
    this.stopRequest.abort(new Error('partition stopping'))
    let abandoned: number | null = null
    if (this.processor && drainMs > 0 && !this.abort.signal.aborted) {
      const drained = await Promise.race([
        this.processor.whenIdle().then(() => true),
        new Promise<false>((resolve) => setTimeout(resolve, drainMs, false).unref()),
      ])
      if (!drained) abandoned = this.tracker.running
    }
    this.abort.abort(new Error('partition stopped'))
    await this.batcher.flush().catch(() => undefined)
    if (abandoned !== null) {
      // (the logger is the partition's: it already carries topic and partition)
      this.deps.logger.warn(
        {
          abandoned,
          uncommitted: this.tracker.inFlight,
          drainMs,
        },
        `drain timed out: ${abandoned} records still running were abandoned; their offsets stay uncommitted and the partition's next owner processes them again`,
      )
    }
    await this.processor?.whenIdle()
    await this.deps.transactions.close()
  }
}
