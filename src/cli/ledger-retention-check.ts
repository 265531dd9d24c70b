import type { Admin } from 'kafkajs'

/** Offsets of one input partition in a replay's range whose ledger entries may be gone. */
export interface PastLedgerRetention {
  readonly partition: number
  /** First offset at risk. */
  readonly from: number
  /** First offset not at risk. */
  readonly to: number
  /**
   * `older`: the records are older than ledger.retention, so their entries, written when they
   * were processed, were deleted or are forgotten when restored. `emptied`: the ledger partition
   * holds no record any more (retention deleted them all: its log starts at its end, above 0).
   */
  readonly reason: 'older' | 'emptied'
  /** Where the ledger partition's log starts now: above 0, entries were deleted. */
  readonly ledgerStart: number
}

/**
 * The records of a replay's range whose ledger entries may be gone, so that a replay would issue
 * them again (with "revoke"): records older than `now - retentionMs` (the ledger deletes, and the
 * relay forgets, entries past that age), and every record of a partition whose ledger retention
 * has emptied. A ledger topic that does not exist yet holds nothing to lose: nothing is reported.
 */
export async function findRecordsPastLedgerRetention(
  admin: Pick<Admin, 'listTopics' | 'fetchTopicOffsets' | 'fetchTopicOffsetsByTimestamp'>,
  range: {
    readonly topic: string
    readonly ledgerTopic: string
    readonly from: ReadonlyMap<number, number>
    readonly to: ReadonlyMap<number, number>
    readonly retentionMs: number
    readonly now: number
  },
): Promise<PastLedgerRetention[]> {
  if (!(await admin.listTopics()).includes(range.ledgerTopic)) return []
  const ledger = await admin.fetchTopicOffsets(range.ledgerTopic)
  // the first offset of each partition written at or after the cutoff (the end when none was)
  const recent = await admin.fetchTopicOffsetsByTimestamp(
    range.topic,
    range.now - range.retentionMs,
  )
  const found: PastLedgerRetention[] = []
  for (const [partition, from] of [...range.from].sort((a, b) => a[0] - b[0])) {
    const to = range.to.get(partition) ?? from
    if (to <= from) continue
    const log = ledger.find((l) => l.partition === partition)
    const ledgerStart = Number(log?.low ?? 0)
    if (ledgerStart > 0 && ledgerStart === Number(log?.high ?? 0)) {
      found.push({ partition, from, to, reason: 'emptied', ledgerStart })
      continue
    }
    const recentFrom = Number(recent.find((r) => r.partition === partition)?.offset ?? from)
    const olderTo = Math.min(to, recentFrom)
    if (olderTo > from) found.push({ partition, from, to: olderTo, reason: 'older', ledgerStart })
  }
  return found
}

/** One line per partition, for the refusal and the dry run's warning. */
export function describePastLedgerRetention(
  found: readonly PastLedgerRetention[],
  retentionMs: number,
): string[] {
  const retention = formatRetention(retentionMs)
  return found.map((f) => {
    const records = `partition ${f.partition}: offsets ${f.from} → ${f.to} (${f.to - f.from} record${f.to - f.from === 1 ? '' : 's'})`
    return f.reason === 'emptied'
      ? `${records}: the ledger partition is empty, its log starts at offset ${f.ledgerStart} (retention deleted every entry)`
      : `${records}: older than ledger.retention (${retention})${f.ledgerStart > 0 ? `; the ledger partition's log starts at offset ${f.ledgerStart}` : ''}`
  })
}

const HOUR_MS = 3_600_000

/** ledger.retention as a config file would say it (30d, 36h). */
function formatRetention(ms: number): string {
  if (ms % (24 * HOUR_MS) === 0) return `${ms / (24 * HOUR_MS)}d`
  if (ms % HOUR_MS === 0) return `${ms / HOUR_MS}h`
  return `${ms} ms`
}

/** Records at risk, over every partition. */
export function countPastLedgerRetention(found: readonly PastLedgerRetention[]): number {
  return found.reduce((sum, f) => sum + f.to - f.from, 0)
}
