import type { Admin } from 'kafkajs'

export interface FakeTopicAdminOptions {
  /** What each partition holds: offsets low to high - 1. */
  readonly bounds: readonly { partition: number; low: number; high: number }[]
  /** The live group's committed offsets ('-1': nothing committed). @default none */
  readonly committed?: readonly { partition: number; offset: string }[]
  /** Per partition, the first offset at or after the asked time ('-1': none). @default all '-1' */
  readonly byTime?: readonly string[]
  /** How many members the live group has (a running live relay: 1 or more). @default 0 */
  readonly liveMembers?: number
}

/** The admin calls a replay makes to resolve its range, answered for one topic from fixed data. */
export function fakeTopicAdmin(options: FakeTopicAdminOptions): Admin {
  const bounds = options.bounds.map((b) => ({
    partition: b.partition,
    low: String(b.low),
    high: String(b.high),
    offset: String(b.high),
  }))
  const admin: Pick<
    Admin,
    | 'listTopics'
    | 'fetchTopicMetadata'
    | 'fetchTopicOffsets'
    | 'fetchTopicOffsetsByTimestamp'
    | 'fetchOffsets'
    | 'describeGroups'
  > = {
    listTopics: async () => ['kyc.completed'],
    fetchTopicMetadata: async () => ({
      topics: [
        {
          name: 'kyc.completed',
          partitions: bounds.map((b) => ({
            partitionErrorCode: 0,
            partitionId: b.partition,
            leader: 1,
            replicas: [1],
            isr: [1],
          })),
        },
      ],
    }),
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
    describeGroups: async (groupIds) => ({
      groups: groupIds.map((groupId) => ({
        groupId,
        errorCode: 0,
        protocol: 'RoundRobinAssigner',
        protocolType: 'consumer',
        state: (options.liveMembers ?? 0) > 0 ? 'Stable' : 'Empty',
        members: Array.from({ length: options.liveMembers ?? 0 }, (_, i) => ({
          memberId: `relay-${i}`,
          clientId: 'moca-relay',
          clientHost: '/127.0.0.1',
          memberMetadata: Buffer.alloc(0),
          memberAssignment: Buffer.alloc(0),
        })),
      })),
    }),
  }
  return admin as Admin
}
