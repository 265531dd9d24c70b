import { compileRetryPolicy, type RetryPolicy } from '../domain/retry-policy.js'
import type { RelayError } from '../errors/relay-error.js'
import { runWithRetry } from '../pipeline/retry-engine.js'

/**
 * How long a command waits for a part of Kafka that is not ready (a group coordinator loading
 * __consumer_offsets, the leader of a partition created or elected a moment ago). Either is ready
 * within a second; 30 s means it will not be without someone's help.
 */
export const KAFKA_NOT_READY_POLICY: RetryPolicy = compileRetryPolicy({
  initialDelayMs: 100,
  multiplier: 2,
  maxDelayMs: 2_000,
  deadlineMs: 30_000,
  // commands started together retry together
  jitter: 'full',
  maxRetryAfterMs: 0,
})

/** What a request waits out, and what it says when it waited too long. */
export interface KafkaNotReadyWait {
  /** True for an answer that the same request, made again a moment later, may not meet. */
  readonly isNotReady: (err: unknown) => boolean
  /** The error thrown at the policy's deadline, given the last not-ready answer. */
  readonly gaveUp: (last: unknown, policy: RetryPolicy) => RelayError
  /** @default KAFKA_NOT_READY_POLICY */
  readonly policy?: RetryPolicy
}

/**
 * Makes a Kafka request again while its answer says only that Kafka is not ready for it yet
 * (`isNotReady`). Any other error is thrown as it is; still not ready at the policy's deadline is
 * the caller's `gaveUp` error.
 */
export async function whenKafkaReady<T>(
  wait: KafkaNotReadyWait,
  call: () => Promise<T>,
): Promise<T> {
  const policy = wait.policy ?? KAFKA_NOT_READY_POLICY
  const outcome = await runWithRetry(
    { policy, startedAt: Date.now(), signal: new AbortController().signal },
    async () => {
      try {
        return { kind: 'done', value: await call() }
      } catch (err) {
        if (!wait.isNotReady(err)) throw err
        return { kind: 'again', last: err }
      }
    },
  )
  if (outcome.kind === 'done') return outcome.value
  throw wait.gaveUp(outcome.kind === 'gave-up' ? outcome.last : undefined, policy)
}
