import type { Admin } from 'kafkajs'
import { whenGroupCoordinatorReady } from './group-coordinator-retry.js'

/**
 * The offsets a consumer group committed on `topic`; partitions without a commit are absent. For
 * a range run's group before an attempt starts: what an interrupted earlier attempt of the same
 * run id finished (a new run's group, and a dry run's, hold none). For the live relay's group:
 * where `--to live` ends.
 */
export async function readGroupCommits(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<Map<number, number>> {
  const [committed] = await whenGroupCoordinatorReady({ groups: [groupId] }, () =>
    admin.fetchOffsets({ groupId, topics: [topic] }),
  )
  const commits = new Map<number, number>()
  for (const p of committed?.partitions ?? []) {
    const offset = Number(p.offset)
    if (offset >= 0) commits.set(p.partition, offset)
  }
  return commits
}

/**
 * True when an earlier attempt committed every partition of the range to its end. Such a run has
 * nothing left to read, and waiting for it to fetch a record at or past its end would hang when the
 * end is the partition's end (`--to live` on an idle topic, or any redrive of the last records).
 */
export function rangeCommitted(
  range: { readonly from: ReadonlyMap<number, number>; readonly to: ReadonlyMap<number, number> },
  commits: ReadonlyMap<number, number>,
): boolean {
  for (const [partition, from] of range.from) {
    const to = range.to.get(partition) ?? from
    if (to > from && (commits.get(partition) ?? from) < to) return false
  }
  return true
}

/**
 * Records of the range below the commits of an earlier attempt: what that attempt finished, and
 * this one does not read again. A redrive counts only its own records (`topic/partition/offset`).
 */
export function recordsCommittedBefore(
  range: {
    readonly topic: string
    readonly from: ReadonlyMap<number, number>
    readonly to: ReadonlyMap<number, number>
    readonly only?: ReadonlySet<string>
  },
  commits: ReadonlyMap<number, number>,
): number {
  let count = 0
  for (const [partition, from] of range.from) {
    const to = range.to.get(partition) ?? from
    const end = Math.min(commits.get(partition) ?? from, to)
    if (range.only === undefined) count += Math.max(0, end - from)
    else
      for (let o = from; o < end; o++)
        if (range.only.has(`${range.topic}/${partition}/${o}`)) count++
  }
  return count
}
