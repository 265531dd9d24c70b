import type { Admin } from 'kafkajs'
import { parseDuration } from '../config/duration.js'
import { RelayError } from '../errors/relay-error.js'
import { requireTopics } from '../kafka/topic-admin.js'
import { whenGroupCoordinatorReady } from './group-coordinator-retry.js'
import { readGroupCommits } from './run-commits.js'
import { readTopicOffsets, readTopicOffsetsByTimestamp } from './topic-offsets.js'

/**
 * Where a range starts or ends, as an operator writes it: an offset (`0`, `1500`), `earliest`,
 * `latest`, an ISO-8601 time with its zone (`2026-11-24T09:00:00Z`, `2026-11-24T10:00+01:00`), a
 * duration ago (`2h`, `30m`), or `live`: the live relay group's committed offsets (everything it
 * already finished).
 */
export type OffsetSpec =
  | { readonly kind: 'offset'; readonly offset: number }
  /**
   * `0:1500,1:1620`: one offset per partition (what a resume line pins). A range with such a bound
   * covers nothing of the partitions it does not name (see resolveRange).
   */
  | { readonly kind: 'partitions'; readonly offsets: ReadonlyMap<number, number> }
  | { readonly kind: 'earliest' | 'latest' | 'live' }
  | { readonly kind: 'time'; readonly ms: number }

export function parseOffsetSpec(text: string, option: string, now = Date.now()): OffsetSpec {
  const value = text.trim()
  if (/^\d+$/.test(value)) return { kind: 'offset', offset: Number(value) }
  if (/^\d+:\d+(,\d+:\d+)*$/.test(value)) {
    const offsets = new Map<number, number>()
    for (const pair of value.split(',')) {
      const [partition, offset] = pair.split(':').map(Number) as [number, number]
      if (offsets.has(partition)) {
        throw new RelayError(
          'CONFIG_INVALID',
          `${option} ${JSON.stringify(text)} names partition ${partition} twice`,
          { classification: 'terminal' },
        )
      }
      offsets.set(partition, offset)
    }
    return { kind: 'partitions', offsets }
  }
  if (value === 'earliest' || value === 'beginning') return { kind: 'earliest' }
  if (value === 'latest' || value === 'end') return { kind: 'latest' }
  if (value === 'live') return { kind: 'live' }
  if (/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/.test(value))
    return { kind: 'time', ms: now - parseDuration(value) }
  if (/^\d{4}-\d{2}-\d{2}/.test(value))
    return { kind: 'time', ms: parseIsoTime(value, text, option) }
  throw new RelayError(
    'CONFIG_INVALID',
    `${option} ${JSON.stringify(text)} is not an offset, "earliest", "latest", "live", an ISO-8601 time (2026-11-24T09:00:00Z), a duration ago (2h) or offsets per partition (0:1500,1:1620)`,
    { classification: 'terminal' },
  )
}

/** The form of a time, as an error message asks for it. */
const TIME_FORM =
  'YYYY-MM-DDThh:mm[:ss[.sss]] and its zone, Z (UTC) or an offset (+01:00, -05:00): e.g. 2026-11-24T09:00:00Z or 2026-11-24T10:00:00+01:00'

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?$/i

/**
 * An ISO-8601 time with its zone, as epoch ms. Refuses what Date.parse would take silently: a time
 * without a zone (read as the local time of whichever machine runs the command) and an impossible
 * date or time (2026-02-30 rolled over to 2 March).
 */
function parseIsoTime(value: string, text: string, option: string): number {
  const refuse = (why: string): never => {
    throw new RelayError(
      'CONFIG_INVALID',
      `${option} ${JSON.stringify(text)} ${why}: write ${TIME_FORM}`,
      { classification: 'terminal' },
    )
  }
  const match = ISO_TIME.exec(value)
  if (!match) return refuse('is not a time')
  const [, year, month, day, hour, minute, second = '0', fraction = '', zone] = match
  if (zone === undefined) return refuse('has no time zone (it would be read as local time)')
  const y = Number(year)
  const mo = Number(month)
  const d = Number(day)
  if (mo < 1 || mo > 12) return refuse(`has no month ${mo}`)
  if (d < 1 || d > daysInMonth(y, mo))
    return refuse(`is not a date: ${year}-${month} has no day ${d}`)
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59)
    return refuse(`is not a time of day: ${hour}:${minute}:${second.padStart(2, '0')}`)
  let offsetMinutes = 0
  if (zone.toUpperCase() !== 'Z') {
    const [zh, zm] = zone.slice(1).split(':').map(Number) as [number, number]
    if (zh > 23 || zm > 59) return refuse(`has no zone ${zone}`)
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (zh * 60 + zm)
  }
  const date = new Date(
    Date.UTC(
      2000,
      mo - 1,
      d,
      Number(hour),
      Number(minute),
      Number(second),
      Number(fraction.padEnd(3, '0').slice(0, 3)),
    ),
  )
  date.setUTCFullYear(y) // Date.UTC reads years 0 to 99 as 1900 to 1999
  return date.getTime() - offsetMinutes * 60_000
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return [4, 6, 9, 11].includes(month) ? 30 : 31
}

/**
 * The spec resolved to one offset per partition, clamped to what the partition holds. A partition
 * that offsets per partition do not name resolves to its end; a range is resolved by resolveRange,
 * which covers nothing of such a partition.
 */
export async function resolveOffsets(
  admin: Admin,
  topic: string,
  spec: OffsetSpec,
  liveGroupId: string,
): Promise<Map<number, number>> {
  // kafkajs retries a topic the cluster does not have for ~10 s, then throws a bare protocol
  // error ("does not host this topic-partition"): say what `check` and `run` say instead.
  await requireTopics(admin, [topic])
  const bounds = await readTopicOffsets(admin, { topic })
  const clamp = (partition: number, offset: number): number => {
    const b = bounds.find((x) => x.partition === partition)
    return Math.min(Math.max(offset, Number(b?.low ?? 0)), Number(b?.high ?? 0))
  }
  const result = new Map<number, number>()
  switch (spec.kind) {
    case 'offset':
      for (const b of bounds) result.set(b.partition, clamp(b.partition, spec.offset))
      break
    case 'partitions':
      for (const b of bounds) {
        const offset = spec.offsets.get(b.partition)
        result.set(b.partition, offset === undefined ? Number(b.high) : clamp(b.partition, offset))
      }
      break
    case 'earliest':
      for (const b of bounds) result.set(b.partition, Number(b.low))
      break
    case 'latest':
      for (const b of bounds) result.set(b.partition, Number(b.high))
      break
    case 'time':
      for (const p of await readTopicOffsetsByTimestamp(admin, { topic, timestamp: spec.ms })) {
        // -1: no record at or after that time, so the range starts at the end.
        const offset = Number(p.offset)
        result.set(
          p.partition,
          offset < 0 ? clamp(p.partition, Number.MAX_SAFE_INTEGER) : clamp(p.partition, offset),
        )
      }
      break
    case 'live': {
      const commits = await readGroupCommits(admin, liveGroupId, topic)
      for (const b of bounds) {
        // No commit: the live relay has finished nothing here yet.
        const offset = commits.get(b.partition)
        result.set(b.partition, offset === undefined ? Number(b.low) : clamp(b.partition, offset))
      }
      break
    }
  }
  return result
}

/**
 * A range (`--from`, `--to`) resolved per partition. A partition that a bound given as offsets per
 * partition does not name gets an empty range (`to` = `from`): "other partitions: none". Resolving
 * it to its end would make `--to 1:3` run every other partition to its end, and a reissue revoke
 * and replace every credential there.
 */
export async function resolveRange(
  admin: Admin,
  topic: string,
  bounds: { readonly from: OffsetSpec; readonly to: OffsetSpec },
  liveGroupId: string,
): Promise<{ from: Map<number, number>; to: Map<number, number> }> {
  const from = await resolveOffsets(admin, topic, bounds.from, liveGroupId)
  const to = await resolveOffsets(admin, topic, bounds.to, liveGroupId)
  const names = (spec: OffsetSpec, partition: number) =>
    spec.kind !== 'partitions' || spec.offsets.has(partition)
  for (const [partition, start] of from) {
    if (!names(bounds.from, partition) || !names(bounds.to, partition)) to.set(partition, start)
  }
  return { from, to }
}

/** A range bound as the operator wrote it, and as parseOffsetSpec read it. */
export interface RangeBound {
  readonly text: string
  readonly spec: OffsetSpec
}

/**
 * Why a start time selects nothing (null: it may select something): it is in the future, and
 * nothing was written after it yet. Replay's --from and redrive's --since both used to "succeed"
 * with 0 records.
 */
export function futureTimeProblem(bound: {
  readonly option: '--from' | '--since'
  readonly text: string
  readonly spec: OffsetSpec
  /** What is written to the topic the bound selects from, for the message. */
  readonly written: 'record' | 'failure'
  readonly now?: number | undefined
}): string | null {
  if (bound.spec.kind !== 'time' || bound.spec.ms <= (bound.now ?? Date.now())) return null
  const example = bound.option === '--since' ? '24h' : '2h'
  return `${bound.option} ${bound.text} is in the future: no ${bound.written} was written after it yet. Give a time in the past, or a duration ago (${example})`
}

/**
 * Why a range cannot be what the operator meant (null: it can), in words that name the fix. Each
 * of these used to resolve to an empty range and "succeed" with 0 records: a partition the topic
 * does not have (dropped), a start in the future, a range that runs backwards.
 */
export function rangeProblem(check: {
  readonly topic: string
  readonly from: RangeBound
  readonly to: RangeBound
  /** The range resolved by resolveRange: `from` holds every partition of the topic. */
  readonly range: {
    readonly from: ReadonlyMap<number, number>
    readonly to: ReadonlyMap<number, number>
  }
  readonly now?: number
}): string | null {
  const { topic, from, to, range } = check
  const partitions = [...range.from.keys()].sort((a, b) => a - b)
  for (const [option, bound] of [
    ['--from', from],
    ['--to', to],
  ] as const) {
    if (bound.spec.kind !== 'partitions') continue
    const missing = [...bound.spec.offsets.keys()].filter((p) => !range.from.has(p))
    if (missing.length > 0) {
      return `${option} ${bound.text} names partition${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which ${topic} does not have (its partitions: ${partitions.join(', ')}): name only partitions of the topic`
    }
  }
  const future = futureTimeProblem({ option: '--from', ...from, written: 'record', now: check.now })
  if (future !== null) return future
  if (specAfter(from.spec, to.spec)) {
    return `--from ${from.text} is after --to ${to.text}: the range runs backwards. Swap them: --from ${to.text} --to ${from.text}`
  }
  const backwards = partitions.filter((p) => (range.to.get(p) ?? 0) < (range.from.get(p) ?? 0))
  if (backwards.length > 0) {
    const where = backwards
      .map((p) => `partition ${p}: offset ${range.from.get(p)} → ${range.to.get(p)}`)
      .join('; ')
    return `--from ${from.text} is after --to ${to.text} (${where}): the range runs backwards. Give a --to at or after --from`
  }
  return null
}

/** True when `from` is after `to` as written, before either is resolved (and clamped). */
function specAfter(from: OffsetSpec, to: OffsetSpec): boolean {
  if (from.kind === 'offset' && to.kind === 'offset') return from.offset > to.offset
  if (from.kind === 'time' && to.kind === 'time') return from.ms > to.ms
  if (from.kind === 'partitions' && to.kind === 'partitions') {
    for (const [partition, offset] of from.offsets) {
      const end = to.offsets.get(partition)
      if (end !== undefined && offset > end) return true
    }
  }
  return false
}

/** `0:1500,1:1620`: resolved offsets in the form parseOffsetSpec reads back. */
export function formatPartitionOffsets(offsets: ReadonlyMap<number, number>): string {
  return [...offsets]
    .sort((a, b) => a[0] - b[0])
    .map(([partition, offset]) => `${partition}:${offset}`)
    .join(',')
}

/** A partition where a range ends past what the live relay has committed. */
export interface PastLive {
  readonly partition: number
  readonly to: number
  readonly committed: number
}

/**
 * Where a range reaches past the live relay while it runs: the partitions whose end is beyond the
 * live group's committed offset, or none when the live group has no member. Records past that
 * offset are the live relay's to process (some are in flight there): a replay that reached them
 * could call issue for a key beside it before either wrote its ledger entry.
 */
export async function rangePastLiveRelay(
  admin: Admin,
  topic: string,
  range: { readonly from: ReadonlyMap<number, number>; readonly to: ReadonlyMap<number, number> },
  liveGroupId: string,
): Promise<{ readonly members: number; readonly partitions: readonly PastLive[] }> {
  const { groups } = await whenGroupCoordinatorReady({ groups: [liveGroupId] }, () =>
    admin.describeGroups([liveGroupId]),
  )
  const members = groups.find((g) => g.groupId === liveGroupId)?.members.length ?? 0
  if (members === 0) return { members, partitions: [] }
  const live = await resolveOffsets(admin, topic, { kind: 'live' }, liveGroupId)
  const partitions: PastLive[] = []
  for (const [partition, from] of [...range.from].sort((a, b) => a[0] - b[0])) {
    const to = range.to.get(partition) ?? from
    const committed = live.get(partition) ?? 0
    if (to > from && to > committed) partitions.push({ partition, to, committed })
  }
  return { members, partitions }
}
