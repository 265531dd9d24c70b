import { AssignerProtocol, type Cluster } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { createCoPartitionedAssigner } from '../../src/kafka/co-partitioned-assigner.js'

const ORDERS = 'orders'
const PAYMENTS = 'payments'
const ORDERS_LEDGER = 'relay.issue-ledger.orders'
const PAYMENTS_LEDGER = 'relay.issue-ledger.payments'
const homeOf = new Map([
  [ORDERS_LEDGER, ORDERS],
  [PAYMENTS_LEDGER, PAYMENTS],
])

/** What the group leader computes for these members, each with the topics it subscribes to. */
async function assign(
  members: { readonly id: string; readonly topics: readonly string[] }[],
  partitions = 4,
): Promise<Record<string, Record<string, number[]>>> {
  const cluster = {
    findTopicPartitionMetadata: () =>
      Array.from({ length: partitions }, (_, partitionId) => ({ partitionId })),
  } as unknown as Cluster
  const assigner = createCoPartitionedAssigner(homeOf)({
    cluster,
    groupId: 'g',
    logger: null as never,
  })
  const topics = [...new Set(members.flatMap((m) => m.topics))]
  const result = await assigner.assign({
    members: members.map((m) => ({
      memberId: m.id,
      memberMetadata: AssignerProtocol.MemberMetadata.encode({
        version: 1,
        topics: [...m.topics],
        userData: Buffer.alloc(0),
      }),
    })),
    topics,
    userData: Buffer.alloc(0),
  } as never)
  return Object.fromEntries(
    result.map((a) => [
      a.memberId,
      (AssignerProtocol.MemberAssignment.decode(a.memberAssignment)?.assignment ?? {}) as Record<
        string,
        number[]
      >,
    ]),
  )
}

describe('the co-partitioned assigner', () => {
  it('gives each ledger partition to the member that owns its input partition, spreading the inputs', async () => {
    const all = [ORDERS, ORDERS_LEDGER]
    const byMember = await assign([
      { id: 'a', topics: all },
      { id: 'b', topics: all },
    ])
    expect(byMember['a']?.[ORDERS]).toEqual(byMember['a']?.[ORDERS_LEDGER])
    expect(byMember['b']?.[ORDERS]).toEqual(byMember['b']?.[ORDERS_LEDGER])
    expect([...(byMember['a']?.[ORDERS] ?? []), ...(byMember['b']?.[ORDERS] ?? [])].sort()).toEqual(
      [0, 1, 2, 3],
    )
    expect(byMember['a']?.[ORDERS]).toHaveLength(2)
  })

  it('gives a topic only to members that subscribe to it (a rolling deploy that adds a route)', async () => {
    const byMember = await assign([
      { id: 'new', topics: [ORDERS, ORDERS_LEDGER, PAYMENTS, PAYMENTS_LEDGER] },
      { id: 'old', topics: [ORDERS, ORDERS_LEDGER] },
    ])
    expect(byMember['old']?.[PAYMENTS]).toBeUndefined()
    expect(byMember['old']?.[PAYMENTS_LEDGER]).toBeUndefined()
    expect(byMember['new']?.[PAYMENTS]).toEqual([0, 1, 2, 3])
    expect(byMember['new']?.[PAYMENTS_LEDGER]).toEqual([0, 1, 2, 3])
    // the route both know is still shared, each ledger partition with its input partition
    expect(byMember['old']?.[ORDERS]?.length).toBeGreaterThan(0)
    expect(byMember['old']?.[ORDERS]).toEqual(byMember['old']?.[ORDERS_LEDGER])
  })
})
