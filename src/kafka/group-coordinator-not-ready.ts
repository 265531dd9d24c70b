import { causeChain } from './kafkajs-error-chain.js'

/**
 * A group coordinator's answers that only say it is not ready for the group yet, which kafkajs
 * 2.2.4's admin passes on to the caller without retrying them. A broker that has just created
 * __consumer_offsets (on the first group lookup it ever answers) names itself coordinator at once,
 * and answers requests for the group with COORDINATOR_LOAD_IN_PROGRESS while it loads the
 * partition, or NOT_COORDINATOR before it took the partition over: kafkajs's admin.fetchOffsets,
 * describeGroups and listGroups throw either as they are (kafkajs calls them
 * GROUP_LOAD_IN_PROGRESS and NOT_COORDINATOR_FOR_GROUP). Its lookup itself retries
 * GROUP_COORDINATOR_NOT_AVAILABLE, and throws "Failed to find group coordinator"
 * (KafkaJSGroupCoordinatorNotFound, wrapped) once those retries ran out.
 */
const NOT_READY = new Set([
  'GROUP_LOAD_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
])

/** True for an error of a group request that the same request, made again, may not meet. */
export function isGroupCoordinatorNotReady(err: unknown): boolean {
  return causeChain(err).some(
    (e) =>
      e.name === 'KafkaJSGroupCoordinatorNotFound' ||
      NOT_READY.has(String((e as { type?: unknown }).type)),
  )
}
