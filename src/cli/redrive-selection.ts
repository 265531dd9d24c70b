import type { CredentialFailed } from '../domain/output-events.js'
import { RelayError } from '../errors/relay-error.js'
import { parseOffsetSpec } from './offset-spec.js'

/**
 * `--since` of a redrive as epoch ms (null without it). Only a time makes sense: failures are
 * selected by when they were written, not by offsets of the failed topic.
 */
export function parseRedriveSince(value: string | undefined): number | null {
  if (value === undefined) return null
  const since = parseOffsetSpec(value, '--since')
  if (since.kind !== 'time') {
    throw new RelayError(
      'CONFIG_INVALID',
      '--since takes an ISO-8601 time or a duration ago (24h)',
      { classification: 'terminal' },
    )
  }
  return since.ms
}

/**
 * The failures a redrive reprocesses: those with one of `reasons` (any, when empty) whose input
 * topic a route still reads.
 */
export function selectFailures(
  failures: readonly CredentialFailed[],
  selection: { readonly reasons: ReadonlySet<string>; readonly routeTopics: ReadonlySet<string> },
): CredentialFailed[] {
  const { reasons, routeTopics } = selection
  return failures.filter(
    (f) => (reasons.size === 0 || reasons.has(f.failure.code)) && routeTopics.has(f.source.topic),
  )
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
  records: readonly Pick<CredentialFailed, 'source'>[],
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
