import { AssignerProtocol, type PartitionAssigner } from 'kafkajs'

/**
 * A partition assigner that keeps each ledger partition with the input partition it belongs to,
 * as Kafka Streams does for a task's changelog: whoever owns `orders/3` also owns
 * `<prefix>.issue-ledger.orders/3`, so it can restore that ledger partition before processing.
 * Input partitions are spread round-robin over the members that subscribe to their topic (sorted,
 * so every leader computes the same answer): during a rolling deploy that adds a route, members
 * still on the old config do not get its topics, which kafkajs would drop unowned.
 *
 * @param homeOf maps a ledger topic to the input topic it is co-partitioned with.
 */
export function createCoPartitionedAssigner(
  homeOf: ReadonlyMap<string, string>,
): PartitionAssigner {
  return ({ cluster }) => ({
    name: 'MocaRelayCoPartitioned',
    version: 1,
    async assign({ members, topics }) {
      const memberIds = members.map((m) => m.memberId).sort()
      const subscribed = new Map<string, ReadonlySet<string> | null>()
      for (const m of members) {
        const topicsOfMember = AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.topics
        // unreadable metadata: take it for every topic, as before
        subscribed.set(m.memberId, topicsOfMember ? new Set(topicsOfMember) : null)
      }
      const membersOf = (topic: string): string[] => {
        const eligible = memberIds.filter((id) => subscribed.get(id)?.has(topic) ?? true)
        return eligible.length > 0 ? eligible : memberIds
      }
      const assignment = new Map<string, Record<string, number[]>>()
      const give = (memberId: string, topic: string, partition: number): void => {
        let topicsOfMember = assignment.get(memberId)
        if (!topicsOfMember) {
          topicsOfMember = Object.create(null) as Record<string, number[]>
          assignment.set(memberId, topicsOfMember)
        }
        ;(topicsOfMember[topic] ??= []).push(partition)
      }
      const partitionsOf = (topic: string): number[] =>
        cluster
          .findTopicPartitionMetadata(topic)
          .map((m) => m.partitionId)
          .sort((a, b) => a - b)

      const owner = new Map<string, string>()
      const inputs = topics.filter((t) => !homeOf.has(t)).sort()
      let next = 0
      for (const topic of inputs) {
        const eligible = membersOf(topic)
        for (const partition of partitionsOf(topic)) {
          const memberId = eligible[next++ % eligible.length] as string
          owner.set(`${topic}/${partition}`, memberId)
          give(memberId, topic, partition)
        }
      }
      for (const ledger of topics.filter((t) => homeOf.has(t)).sort()) {
        const home = homeOf.get(ledger) as string
        const eligible = membersOf(ledger)
        for (const partition of partitionsOf(ledger)) {
          const memberId =
            owner.get(`${home}/${partition}`) ?? (eligible[next++ % eligible.length] as string)
          give(memberId, ledger, partition)
        }
      }
      return [...assignment].map(([memberId, byTopic]) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment: byTopic,
          userData: Buffer.alloc(0),
        }),
      }))
    },
    protocol({ topics }) {
      return {
        name: 'MocaRelayCoPartitioned',
        metadata: AssignerProtocol.MemberMetadata.encode({
          version: 1,
          topics,
          userData: Buffer.alloc(0),
        }),
      }
    },
  })
}
