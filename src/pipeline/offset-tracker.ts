/**
 * Tracks the records of one input partition from admission to commit, and computes the offset to
 * commit: the contiguous-completion watermark (Confluent Parallel Consumer's rule). A record
 * completes when its outputs are staged for a transaction; the watermark is the lowest offset not
 * yet completed, so a commit never skips a record whose outputs are not in the same or an earlier
 * transaction.
 */

const SlotStatus = {
  /** Admitted; its work is still running. */
  active: 0,
  /** Outputs staged for the next transaction. */
  staged: 1,
  /** Outputs sent in the transaction now committing. */
  sent: 2,
} as const
type SlotStatus = (typeof SlotStatus)[keyof typeof SlotStatus]

export interface Slot {
  readonly offset: number
  status: SlotStatus
}

/** What one transaction takes from the tracker. */
export interface FlushPlan {
  /** The input offset to commit with the transaction, or null if the watermark did not move. */
  readonly commitOffset: number | null
  /** How many slots this flush releases from the in-flight budget once it commits. */
  readonly released: number
}

export class OffsetTracker {
  /** Admitted slots not yet released, in offset order; `head` skips released ones. */
  private slots: Slot[] = []
  private head = 0
  private lastAdmitted = -1
  /** Released by a flush whose transaction has not committed yet: still count as in flight. */
  private releasing = 0
  private committedOffset: number | null = null
  private runningCount = 0

  /** Records admitted and not yet committed (done or not): what a restart would read again. */
  get inFlight(): number {
    return this.slots.length - this.head + this.releasing
  }

  /**
   * Records admitted whose work still runs: the in-flight budget's measure. A record done behind a
   * slow one costs a number until the watermark passes it, not a slot of the budget.
   */
  get running(): number {
    return this.runningCount
  }

  /** The first offset not yet admitted (where fetching resumes). */
  get nextOffset(): number {
    return this.lastAdmitted + 1
  }

  get lastCommittedOffset(): number | null {
    return this.committedOffset
  }

  admit(offset: number): Slot {
    if (offset <= this.lastAdmitted) {
      throw new RangeError(
        `offset ${offset} admitted after ${this.lastAdmitted}: offsets must increase`,
      )
    }
    this.lastAdmitted = offset
    const slot: Slot = { offset, status: SlotStatus.active }
    this.slots.push(slot)
    this.runningCount++
    return slot
  }

  /** The slot's outputs (possibly none) are in the batch the next flush will send. */
  stage(slot: Slot): void {
    if (slot.status !== SlotStatus.active)
      throw new RangeError(`offset ${slot.offset} staged twice`)
    slot.status = SlotStatus.staged
    this.runningCount--
  }

  /**
   * Called when a transaction is about to be built: every staged slot is now part of it, and the
   * watermark moves over the completed prefix.
   */
  beginFlush(): FlushPlan {
    for (let i = this.head; i < this.slots.length; i++) {
      const slot = this.slots[i] as Slot
      if (slot.status === SlotStatus.staged) slot.status = SlotStatus.sent
    }
    const start = this.head
    while (
      this.head < this.slots.length &&
      (this.slots[this.head] as Slot).status === SlotStatus.sent
    ) {
      this.head++
    }
    const released = this.head - start
    this.releasing += released
    this.compact()
    if (released === 0) return { commitOffset: null, released: 0 }
    const commitOffset =
      this.head < this.slots.length ? (this.slots[this.head] as Slot).offset : this.lastAdmitted + 1
    return { commitOffset, released }
  }

  /** The transaction of `plan` committed. */
  endFlush(plan: FlushPlan): void {
    this.releasing -= plan.released
    if (plan.commitOffset !== null) this.committedOffset = plan.commitOffset
  }

  /** Nothing staged or running: a clean point to stop. */
  get idle(): boolean {
    return this.inFlight === 0
  }

  private compact(): void {
    // Drop released slots in bulk, not one shift() per record.
    if (this.head > 1024 && this.head * 2 > this.slots.length) {
      this.slots = this.slots.slice(this.head)
      this.head = 0
    }
  }
}
