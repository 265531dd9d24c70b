import type { Admin } from 'kafkajs'

export interface FakeTopicAdminOptions {
  /** What each partition holds: offsets low to high - 1. */
  readonly bounds: readonly { partition: number; low: number; high: number }[]
  /** The live group's committed offsets ('-1': nothing committed). @default none */
  readonly committed?: readonly { partition: number; offset: string }[]
  /** Per partition, the first offset at or after the asked time ('-1': none). @default all '-1' */
  readonly byTime?: readonly string[]
}

/** The admin calls a replay makes to resolve its range, answered for one topic from fixed data. */
export function fakeTopicAdmin(options: FakeTopicAdminOptions): Admin {
  const bounds = options.bounds.map((b) => ({
    partition: b.partition,
    low: String(b.low),
    high: String(b.high),
    offset: String(b.high),
  }))
  const admin: Pick<Admin, 'fetchTopicOffsets' | 'fetchTopicOffsetsByTimestamp' | 'fetchOffsets'> =
    {
      fetchTopicOffsets: async () => bounds,
      fetchTopicOffsetsByTimestamp: async () =>
        (options.byTime ?? bounds.map(() => '-1')).map((offset, partition) => ({
          partition,
          offset,
        })),
      fetchOffsets: async () => [
        {
          topic: 'kyc.completed',
          partitions: (options.committed ?? []).map((p) => ({ ...p, metadata: null })),
        },
      ],
    }
  return admin as Admin
}
