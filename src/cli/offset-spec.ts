import type { Admin } from 'kafkajs'
import { parseDuration } from '../config/duration.js'
import { RelayError } from '../errors/relay-error.js'

/**
 * Where a range starts or ends, as an operator writes it: an offset (`0`, `1500`), `earliest`,
 * `latest`, an ISO-8601 time (`2026-11-24T09:00:00Z`), a duration ago (`2h`, `30m`), or `live`:
 * the live relay group's committed offsets (everything it already finished).
 */
export type OffsetSpec =
  | { readonly kind: 'offset'; readonly offset: number }
  /** `0:1500,1:1620`: one offset per partition (what a resume line pins); others: their end. */
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
  const ms = Date.parse(value)
  if (!Number.isNaN(ms) && /^\d{4}-\d{2}-\d{2}/.test(value)) return { kind: 'time', ms }
  throw new RelayError(
    'CONFIG_INVALID',
    `${option} ${JSON.stringify(text)} is not an offset, "earliest", "latest", "live", an ISO-8601 time (2026-11-24T09:00:00Z), a duration ago (2h) or offsets per partition (0:1500,1:1620)`,
    { classification: 'terminal' },
  )
}

/** The spec resolved to one offset per partition, clamped to what the partition holds. */
export async function resolveOffsets(
  admin: Admin,
  topic: string,
  spec: OffsetSpec,
  liveGroupId: string,
): Promise<Map<number, number>> {
  const bounds = await admin.fetchTopicOffsets(topic)
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
      for (const p of await admin.fetchTopicOffsetsByTimestamp(topic, spec.ms)) {
        // -1: no record at or after that time, so the range starts at the end.
        const offset = Number(p.offset)
        result.set(
          p.partition,
          offset < 0 ? clamp(p.partition, Number.MAX_SAFE_INTEGER) : clamp(p.partition, offset),
        )
      }
      break
    case 'live': {
      const committed = await admin.fetchOffsets({ groupId: liveGroupId, topics: [topic] })
      for (const p of committed[0]?.partitions ?? []) {
        // -1: the live relay has committed nothing here yet, so it finished nothing.
        const offset = Number(p.offset)
        result.set(p.partition, offset < 0 ? clamp(p.partition, 0) : clamp(p.partition, offset))
      }
      for (const b of bounds) if (!result.has(b.partition)) result.set(b.partition, Number(b.low))
      break
    }
  }
  return result
}

/** `0:1500,1:1620`: resolved offsets in the form parseOffsetSpec reads back. */
export function formatPartitionOffsets(offsets: ReadonlyMap<number, number>): string {
  return [...offsets]
    .sort((a, b) => a[0] - b[0])
    .map(([partition, offset]) => `${partition}:${offset}`)
    .join(',')
}
