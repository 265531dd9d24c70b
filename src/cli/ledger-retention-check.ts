import type { Admin } from 'kafkajs'
import { RelayError } from '../errors/relay-error.js'
import { readTopicOffsets, readTopicOffsetsByTimestamp } from './topic-offsets.js'

/** Records of one input partition in a range run whose ledger entries may be gone. */
export interface PastLedgerRetention {
  readonly topic: string
  readonly partition: number
  /** First offset at risk. */
  readonly from: number
  /** First offset not at risk. */
  readonly to: number
  /** Records at risk between `from` and `to`: all of them in a replay, the failed ones in a redrive. */
  readonly records: number
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
 * The records of a range run whose ledger entries may be gone, so that the run would issue them
 * again (with "revoke"): records older than `now - retentionMs` (the ledger deletes, and the
 * relay forgets, entries past that age), and every record of a partition whose ledger retention
 * has emptied. A ledger topic that does not exist yet holds nothing to lose: nothing is reported.
 * With `records` (a redrive), only those offsets of each partition count, not the range between.
 */
export async function findRecordsPastLedgerRetention(
  admin: Pick<Admin, 'listTopics' | 'fetchTopicOffsets' | 'fetchTopicOffsetsByTimestamp'>,
  range: {
    readonly topic: string
    readonly ledgerTopic: string
    readonly from: ReadonlyMap<number, number>
    readonly to: ReadonlyMap<number, number>
    readonly records?: ReadonlyMap<number, readonly number[]>
    readonly retentionMs: number
    readonly now: number
  },
): Promise<PastLedgerRetention[]> {
  if (!(await admin.listTopics()).includes(range.ledgerTopic)) return []
  const ledger = await readTopicOffsets(admin, { topic: range.ledgerTopic })
  // the first offset of each partition written at or after the cutoff (the end when none was)
  const recent = await readTopicOffsetsByTimestamp(admin, {
    topic: range.topic,
    timestamp: range.now - range.retentionMs,
  })
  const found: PastLedgerRetention[] = []
  const add = (
    partition: number,
    span: { from: number; to: number },
    why: Pick<PastLedgerRetention, 'reason' | 'ledgerStart'>,
  ): void => {
    const atRisk = recordsIn(span, range.records && (range.records.get(partition) ?? []))
    if (atRisk !== null) found.push({ topic: range.topic, partition, ...atRisk, ...why })
  }
  for (const [partition, from] of [...range.from].sort((a, b) => a[0] - b[0])) {
    const to = range.to.get(partition) ?? from
    if (to <= from) continue
    const log = ledger.find((l) => l.partition === partition)
    const ledgerStart = Number(log?.low ?? 0)
    if (ledgerStart > 0 && ledgerStart === Number(log?.high ?? 0)) {
      add(partition, { from, to }, { reason: 'emptied', ledgerStart })
      continue
    }
    const recentFrom = Number(recent.find((r) => r.partition === partition)?.offset ?? from)
    const olderTo = Math.min(to, recentFrom)
    if (olderTo > from) add(partition, { from, to: olderTo }, { reason: 'older', ledgerStart })
  }
  return found
}

/** The records of `span` (all, without `offsets`), narrowed to those present; null for none. */
function recordsIn(
  span: { readonly from: number; readonly to: number },
  offsets: readonly number[] | undefined,
): { from: number; to: number; records: number } | null {
  if (offsets === undefined) return { ...span, records: span.to - span.from }
  const inside = offsets.filter((o) => o >= span.from && o < span.to)
  if (inside.length === 0) return null
  // not Math.min(...inside): a redrive of many failures would overflow the call stack
  const from = inside.reduce((a, b) => Math.min(a, b))
  const to = inside.reduce((a, b) => Math.max(a, b)) + 1
  return { from, to, records: inside.length }
}

/**
 * One line per partition, for the refusal and the dry run's warning. A replay reads one topic,
 * which its operator named; a redrive's lines name theirs.
 */
export function describePastLedgerRetention(
  found: readonly PastLedgerRetention[],
  retentionMs: number,
  options: { readonly withTopic?: boolean } = {},
): string[] {
  const retention = formatRetention(retentionMs)
  return found.map((f) => {
    const where = `${options.withTopic ? `${f.topic} ` : ''}partition ${f.partition}`
    const records = `${where}: offsets ${f.from} → ${f.to} (${plural(f.records, 'record')})`
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
  return found.reduce((sum, f) => sum + f.records, 0)
}

/** The range runs that issue, and how each names what it covers and what narrows it. */
const RUN_WORDS = {
  replay: {
    code: 'REPLAY_PAST_LEDGER_RETENTION',
    holds: 'the range holds',
    of: 'of this range',
    narrow: 'Replay from a later --from',
    refused: 'A replay of this range is refused',
    stillKnown: 'Keys the ledger still knows are skipped.',
    withTopic: false,
  },
  redrive: {
    code: 'REDRIVE_PAST_LEDGER_RETENTION',
    holds: 'the redrive selects',
    of: 'of this redrive',
    narrow: 'Redrive a narrower selection (--reason, --since)',
    refused: 'This redrive is refused',
    stillKnown: 'Failures the ledger still knows are retried; keys it knows as issued are skipped.',
    withTopic: true,
  },
} as const

/** What a replay or redrive says about records whose ledger entries may be gone. */
export interface PastLedgerRetentionReport {
  readonly run: keyof typeof RUN_WORDS
  readonly found: readonly PastLedgerRetention[]
  readonly retentionMs: number
}

function lines(report: PastLedgerRetentionReport): string[] {
  const { withTopic } = RUN_WORDS[report.run]
  return describePastLedgerRetention(report.found, report.retentionMs, { withTopic })
}

function atRisk(report: PastLedgerRetentionReport): string {
  return plural(countPastLedgerRetention(report.found), 'record')
}

/**
 * Refuses a real run over records the ledger may have forgotten, unless `allowed`
 * (--allow-past-retention): the ledger no longer says whether they were issued, so the run would
 * issue them again, with the route's onDuplicate ("revoke" replaces each user's credential).
 */
export function refusePastLedgerRetention(
  report: PastLedgerRetentionReport,
  allowed: boolean,
): void {
  if (report.found.length === 0 || allowed) return
  const words = RUN_WORDS[report.run]
  throw new RelayError(
    words.code,
    `${words.holds} ${atRisk(report)} whose ledger entries may be gone (${lines(report).join('; ')}): the ledger no longer knows whether they were issued, so this ${report.run} would issue them AGAIN, with the route's onDuplicate ("revoke" by default: each user's credential replaced). ${words.narrow}, or pass --allow-past-retention to issue them again on purpose (--dry-run shows them)`,
    { classification: 'terminal' },
  )
}

/** The banner of a run given --allow-past-retention over records the ledger may have forgotten. */
export function pastLedgerRetentionBanner(report: PastLedgerRetentionReport): string {
  const words = RUN_WORDS[report.run]
  return (
    `\n!! --allow-past-retention: the ledger may no longer know ${atRisk(report)} ${words.of}; those it does not know are issued AGAIN, with the route's onDuplicate ("revoke" by default):\n` +
    lines(report)
      .map((line) => `!!   ${line}\n`)
      .join('') +
    `!! ${words.stillKnown}\n`
  )
}

/** What a dry run adds after its summary: its "would issue" may count records issued before. */
export function pastLedgerRetentionWarning(report: PastLedgerRetentionReport): string {
  const words = RUN_WORDS[report.run]
  return (
    `\nWarning: the ledger may no longer know ${atRisk(report)} ${words.of}, so what "would issue" counts may include records the relay already issued; a ${report.run} would issue them AGAIN, with the route's onDuplicate ("revoke" by default):\n` +
    lines(report)
      .map((line) => `  ${line}\n`)
      .join('') +
    `${words.refused} unless it is given --allow-past-retention.\n`
  )
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}
