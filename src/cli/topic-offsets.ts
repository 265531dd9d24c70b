import type { Admin, PartitionOffset } from 'kafkajs'
import type { RetryPolicy } from '../domain/retry-policy.js'
import { RelayError } from '../errors/relay-error.js'
import { isPartitionLeaderNotReady } from '../kafka/partition-leader-not-ready.js'
import { whenKafkaReady } from './when-kafka-ready.js'

type TopicOffsets = Awaited<ReturnType<Admin['fetchTopicOffsets']>>

/**
 * admin.fetchTopicOffsets (each partition's log start and end), made again while a partition's
 * leader is not serving it yet (see isPartitionLeaderNotReady): right after the relay created the
 * topic, or during a leader election. Any other error is thrown as it is.
 */
export function readTopicOffsets(
  admin: Pick<Admin, 'fetchTopicOffsets'>,
  request: { readonly topic: string; readonly policy?: RetryPolicy },
): Promise<TopicOffsets> {
  return whenLeadersReady(request, () => admin.fetchTopicOffsets(request.topic))
}

/** admin.fetchTopicOffsetsByTimestamp, made again as readTopicOffsets is. */
export function readTopicOffsetsByTimestamp(
  admin: Pick<Admin, 'fetchTopicOffsetsByTimestamp'>,
  request: { readonly topic: string; readonly timestamp: number; readonly policy?: RetryPolicy },
): Promise<PartitionOffset[]> {
  return whenLeadersReady(request, () =>
    admin.fetchTopicOffsetsByTimestamp(request.topic, request.timestamp),
  )
}

function whenLeadersReady<T>(
  { topic, policy }: { readonly topic: string; readonly policy?: RetryPolicy },
  call: () => Promise<T>,
): Promise<T> {
  return whenKafkaReady(
    {
      isNotReady: isPartitionLeaderNotReady,
      gaveUp: (last, { deadlineMs }) =>
        new RelayError(
          'KAFKA_UNAVAILABLE',
          `the partitions of topic "${topic}" had no leader serving them after ${deadlineMs / 1000} s${last instanceof Error ? ` (${last.message})` : ''}. A topic created a moment ago is served within a second, and a partition whose leader is being elected within seconds; longer means a partition has no leader that is up: kafka-topics.sh --describe --topic ${topic} shows it (Leader: none), and the brokers' logs say why. Then run the command again`,
          { classification: 'systemic', cause: last },
        ),
      policy,
    },
    call,
  )
}
