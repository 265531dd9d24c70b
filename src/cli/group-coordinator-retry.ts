import type { RetryPolicy } from '../domain/retry-policy.js'
import { RelayError } from '../errors/relay-error.js'
import { isGroupCoordinatorNotReady } from '../kafka/group-coordinator-not-ready.js'
import { whenKafkaReady } from './when-kafka-ready.js'

/**
 * Makes an admin request about consumer groups (fetchOffsets, describeGroups, listGroups) again
 * while the coordinator answers that it is not ready (see isGroupCoordinatorNotReady): kafkajs
 * looks the coordinator up again on every call. Any other error is thrown as it is; a coordinator
 * still not ready at the policy's deadline is KAFKA_UNAVAILABLE, naming the groups and the fix.
 */
export async function whenGroupCoordinatorReady<T>(
  request: { readonly groups: readonly string[]; readonly policy?: RetryPolicy },
  call: () => Promise<T>,
): Promise<T> {
  return whenKafkaReady(
    {
      isNotReady: isGroupCoordinatorNotReady,
      gaveUp: (last, policy) => {
        const groups = request.groups.map((g) => `"${g}"`).join(', ')
        return new RelayError(
          'KAFKA_UNAVAILABLE',
          `Kafka's group coordinator was not ready for ${request.groups.length === 1 ? 'group' : 'groups'} ${groups} after ${policy.deadlineMs / 1000} s${last instanceof Error ? ` (${last.message})` : ''}. A broker that has just started loads its __consumer_offsets topic first, which takes a moment; longer means it cannot host the coordinator: check the broker's log, and that offsets.topic.replication.factor is at most the number of brokers. Then run the command again`,
          { classification: 'systemic', cause: last },
        )
      },
      policy: request.policy,
    },
    call,
  )
}
