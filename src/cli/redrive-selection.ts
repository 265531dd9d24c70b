import type { SourceRef } from '../domain/issuance-command.js'
import type { CredentialFailed } from '../domain/output-events.js'
import { ErrorCodes } from '../errors/error-codes.js'
import { isRelayError } from '../errors/relay-error.js'
import { futureTimeProblem, parseOffsetSpec } from './offset-spec.js'

/** What `--since` takes, as a usage error says it. */
const SINCE_FORMS =
  'an ISO-8601 time with its zone (2026-11-24T09:00:00Z) or a duration ago (24h, 30m)'

/**
 * `--since` of a redrive as epoch ms (null without it), or why it is not one. Only a time makes
 * sense: failures are selected by when they were written, not by offsets of the failed topic, so
 * the offset forms of a replay's --from are refused, and not offered in the message. A time in the
 * future is refused too: it would select nothing, and the redrive would end as if all were well.
 */
export function parseRedriveSince(
  value: string | undefined,
  now = Date.now(),
): { readonly ms: number | null } | { readonly problem: string } {
  if (value === undefined) return { ms: null }
  const refused = { problem: `--since ${value} is not a time: give ${SINCE_FORMS}` }
  try {
    const since = parseOffsetSpec(value, '--since', now)
    if (since.kind !== 'time') return refused
    const future = futureTimeProblem({
      option: '--since',
      text: value,
      spec: since,
      written: 'failure',
      now,
    })
    return future === null ? { ms: since.ms } : { problem: future }
  } catch (err) {
    // A date with a mistake (no zone, 30 February) has its own message, about the time's form.
    if (isRelayError(err) && /^\d{4}-\d{2}-\d{2}/.test(value.trim()))
      return { problem: err.message }
    if (isRelayError(err)) return refused
    throw err
  }
}

/**
 * Why a `--reason` cannot select anything (null: it is a code of the error catalogue). Codes are
 * matched exactly, as credential.failed carries them; a code in another case or misspelt would
 * select nothing and the redrive would end "successfully" having done nothing.
 */
export function checkReason(reason: string): string | null {
  if (Object.hasOwn(ErrorCodes, reason)) return null
  return `--reason ${reason} is not an error code; did you mean ${closestCode(reason)}?`
}

/** The catalogue code nearest to `text`: the same letters in another case, or fewest edits. */
function closestCode(text: string): string {
  const wanted = text.toUpperCase()
  let best = ''
  let bestDistance = Number.POSITIVE_INFINITY
  for (const code of Object.keys(ErrorCodes)) {
    const distance = editDistance(wanted, code)
    if (distance < bestDistance) [best, bestDistance] = [code, distance]
  }
  return best
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        row[j]! + 1,
        next[j - 1]! + 1,
        row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
    }
    row = next
  }
  return row[b.length]!
}

/** The failures of a redrive's selection, by whether a route of its config still reads them. */
export interface RedriveSelection {
  /** Failures with one of the reasons asked for (any, when none is) whose input topic a route reads. */
  readonly routed: CredentialFailed[]
  /**
   * Failures with one of the reasons whose input topic no route reads any more (its route was
   * removed from the config): the relay cannot map their records, so they are reported, not run.
   */
  readonly unrouted: CredentialFailed[]
}

/** The failures a redrive reprocesses (`routed`), and those it cannot (`unrouted`). */
export function selectFailures(
  failures: readonly CredentialFailed[],
  selection: { readonly reasons: ReadonlySet<string>; readonly routeTopics: ReadonlySet<string> },
): RedriveSelection {
  const { reasons, routeTopics } = selection
  const routed: CredentialFailed[] = []
  const unrouted: CredentialFailed[] = []
  for (const f of failures) {
    if (reasons.size > 0 && !reasons.has(f.failure.code)) continue
    if (routeTopics.has(f.source.topic)) routed.push(f)
    else unrouted.push(f)
  }
  return { routed, unrouted }
}

/**
 * One line per input topic (and kind) of `unrouted`, for the list of records a redrive cannot
 * redrive: the topic, and the fix.
 */
export function describeUnrouted(unrouted: readonly CredentialFailed[]): string[] {
  const byTopic = new Map<string, CredentialFailed[]>()
  for (const f of unrouted) {
    const at = `${redriveKind(f)} ${f.source.topic}`
    const group = byTopic.get(at)
    if (group) group.push(f)
    else byTopic.set(at, [f])
  }
  return [...byTopic].map(([, group]) => {
    const records = countRecords(group)
    return `  ${redriveKind(group[0]!)} ${records} record${records === 1 ? '' : 's'} of ${group[0]!.source.topic}: no route of this config reads the topic any more; add its route back to routes[], or redrive with a config that has it`
  })
}

/** Issue-stage failures are retried; confirm-stage ones polled again. */
function redriveKind(f: Pick<CredentialFailed, 'stage'>): RedriveBatch['kind'] {
  return f.stage === 'confirm' ? 're-poll' : 'retry'
}

export interface RedriveRanges {
  /** Per partition, the lowest failed offset: where the range run starts. */
  readonly from: Map<number, number>
  /** Per partition, one past the highest failed offset: where it stops. */
  readonly to: Map<number, number>
  /** `topic/partition/offset` of each failure: the only records of the range processed. */
  readonly only: Set<string>
}

/** The range run that covers every failure of `records` (all read from `topic`), and only them. */
export function redriveRanges(
  topic: string,
  records: readonly { readonly source: Pick<SourceRef, 'partition' | 'offset'> }[],
): RedriveRanges {
  const only = new Set(records.map((f) => `${topic}/${f.source.partition}/${f.source.offset}`))
  const from = new Map<number, number>()
  const to = new Map<number, number>()
  for (const f of records) {
    const offset = Number(f.source.offset)
    from.set(f.source.partition, Math.min(from.get(f.source.partition) ?? offset, offset))
    to.set(f.source.partition, Math.max(to.get(f.source.partition) ?? offset + 1, offset + 1))
  }
  return { from, to, only }
}

export interface RedriveBatch extends RedriveRanges {
  /** Issue-stage failures are retried; confirm-stage ones polled again. */
  readonly kind: 'retry' | 're-poll'
  readonly topic: string
  /**
   * Input records the batch processes: a record that failed more than once (live, then in an
   * earlier redrive) is one record, run once.
   */
  readonly records: number
}

/**
 * The range runs of a redrive: retries first, then confirm-stage failures, each per input topic.
 * Separate runs, since their ledger rules differ.
 */
export function planRedrive(selected: readonly CredentialFailed[]): RedriveBatch[] {
  const batches: RedriveBatch[] = []
  for (const kind of ['retry', 're-poll'] as const) {
    const byTopic = new Map<string, CredentialFailed[]>()
    for (const f of selected) {
      if (redriveKind(f) !== kind) continue
      const group = byTopic.get(f.source.topic) ?? []
      group.push(f)
      byTopic.set(f.source.topic, group)
    }
    for (const [topic, records] of byTopic) {
      const ranges = redriveRanges(topic, records)
      batches.push({ kind, topic, ...ranges, records: ranges.only.size })
    }
  }
  return batches
}

/**
 * A batch without the records its topic no longer holds (retention deleted them, or the topic was
 * recreated): `gone` counts them per partition. A range run cannot read them, and waiting for them
 * would end the run with nothing done and nothing said. `batch` is null when nothing is left.
 */
export function dropDeletedRecords(
  batch: RedriveBatch,
  bounds: readonly { readonly partition: number; readonly low: string; readonly high: string }[],
): {
  readonly batch: RedriveBatch | null
  readonly gone: readonly { partition: number; records: number; low: number }[]
} {
  const held = (partition: number, offset: number): boolean => {
    const b = bounds.find((x) => x.partition === partition)
    return b !== undefined && offset >= Number(b.low) && offset < Number(b.high)
  }
  const kept: { source: Pick<SourceRef, 'partition' | 'offset'> }[] = []
  const goneBy = new Map<number, number>()
  for (const [partition, offsets] of batchOffsets(batch)) {
    for (const offset of offsets) {
      if (held(partition, offset)) kept.push({ source: { partition, offset: String(offset) } })
      else goneBy.set(partition, (goneBy.get(partition) ?? 0) + 1)
    }
  }
  const gone = [...goneBy]
    .sort((a, b) => a[0] - b[0])
    .map(([partition, records]) => ({
      partition,
      records,
      low: Number(bounds.find((b) => b.partition === partition)?.low ?? 0),
    }))
  if (gone.length === 0) return { batch, gone }
  if (kept.length === 0) return { batch: null, gone }
  const ranges = redriveRanges(batch.topic, kept)
  return { batch: { ...batch, ...ranges, records: ranges.only.size }, gone }
}

/** The offsets of the records a batch processes, per partition. */
export function batchOffsets(batch: Pick<RedriveBatch, 'topic' | 'only'>): Map<number, number[]> {
  const offsets = new Map<number, number[]>()
  for (const key of batch.only) {
    const [partition, offset] = key
      .slice(batch.topic.length + 1)
      .split('/')
      .map(Number) as [number, number]
    const held = offsets.get(partition)
    if (held) held.push(offset)
    else offsets.set(partition, [offset])
  }
  return offsets
}

/** Input records behind `failures`: each `topic/partition/offset` once. */
export function countRecords(failures: readonly Pick<CredentialFailed, 'source'>[]): number {
  return new Set(failures.map((f) => `${f.source.topic}/${f.source.partition}/${f.source.offset}`))
    .size
}
