import { causeChain } from './kafkajs-error-chain.js'

/**
 * A partition's answers that only say its leader is not serving it yet, which kafkajs 2.2.4's
 * admin.fetchTopicOffsets and fetchTopicOffsetsByTimestamp pass on to the caller without retrying
 * them (they retry UNKNOWN_TOPIC_OR_PARTITION alone). A KRaft broker publishes a new topic's
 * metadata, naming itself leader, before it has become the leader of each partition, one after
 * the other: a ListOffsets in between is answered NOT_LEADER_OR_FOLLOWER (kafkajs calls it
 * NOT_LEADER_FOR_PARTITION). LEADER_NOT_AVAILABLE is the answer during a leader election; a
 * metadata refresh retries it, and throws it wrapped once those retries ran out.
 * UNKNOWN_TOPIC_OR_PARTITION is not here: kafkajs already retries it for ~10 s, and what is left
 * after that is a topic that does not exist, which waiting longer does not create.
 */
const NOT_READY = new Set(['NOT_LEADER_FOR_PARTITION', 'LEADER_NOT_AVAILABLE'])

/** True for an error of a partition request that the same request, made again, may not meet. */
export function isPartitionLeaderNotReady(err: unknown): boolean {
  return causeChain(err).some((e) => NOT_READY.has(String((e as { type?: unknown }).type)))
}
