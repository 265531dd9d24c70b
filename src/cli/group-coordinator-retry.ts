import { compileRetryPolicy, type RetryPolicy } from '../domain/retry-policy.js'
import { RelayError } from '../errors/relay-error.js'
import { isGroupCoordinatorNotReady } from '../kafka/group-coordinator-not-ready.js'
import { runWithRetry } from '../pipeline/retry-engine.js'

/**
 * How long a command waits for a group coordinator that is not ready. A broker that has just
 * created __consumer_offsets is ready within a second; 30 s means it cannot host the coordinator.
 */
export const GROUP_COORDINATOR_POLICY: RetryPolicy = compileRetryPolicy({
  initialDelayMs: 100,
  multiplier: 2,
  maxDelayMs: 2_000,
  deadlineMs: 30_000,
  // commands started together retry together
  jitter: 'full',
  maxRetryAfterMs: 0,
})

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
  const policy = request.policy ?? GROUP_COORDINATOR_POLICY
  const outcome = await runWithRetry(
    { policy, startedAt: Date.now(), signal: new AbortController().signal },
    async () => {
      try {
        return { kind: 'done', value: await call() }
      } catch (err) {
        if (!isGroupCoordinatorNotReady(err)) throw err
        return { kind: 'again', last: err }
      }
    },
  )
  if (outcome.kind === 'done') return outcome.value
  const last = outcome.kind === 'gave-up' ? outcome.last : undefined
  const groups = request.groups.map((g) => `"${g}"`).join(', ')
  throw new RelayError(
    'KAFKA_UNAVAILABLE',
    `Kafka's group coordinator was not ready for ${request.groups.length === 1 ? 'group' : 'groups'} ${groups} after ${policy.deadlineMs / 1000} s${last instanceof Error ? ` (${last.message})` : ''}. A broker that has just started loads its __consumer_offsets topic first, which takes a moment; longer means it cannot host the coordinator: check the broker's log, and that offsets.topic.replication.factor is at most the number of brokers. Then run the command again`,
    { classification: 'systemic', cause: last },
  )
}
