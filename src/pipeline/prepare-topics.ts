import { compileRetryPolicy, type RetryPolicy } from '../domain/retry-policy.js'
import { isTopicNotYetKnown } from '../kafka/topic-admin.js'
import type { Logger } from '../ops/logger.js'
import { runWithRetry } from './retry-engine.js'

/**
 * How long start-up waits for topics it just created to show in the broker's metadata. A busy
 * single-node KRaft broker takes a few hundred milliseconds; a minute means something else is
 * wrong, and the error is thrown.
 */
export const TOPIC_PROPAGATION_POLICY: RetryPolicy = compileRetryPolicy({
  initialDelayMs: 100,
  multiplier: 2,
  maxDelayMs: 2_000,
  deadlineMs: 60_000,
  jitter: 'none',
  maxRetryAfterMs: 0,
})

export interface PrepareTopicsDeps {
  readonly logger: Logger
  readonly signal: AbortSignal
  /** @default TOPIC_PROPAGATION_POLICY */
  readonly policy?: RetryPolicy
}

/**
 * Runs the topic checks and creations of start-up again while the broker does not know a topic
 * it has just created. `prepare` must be idempotent (ensureTopics creates only what is missing).
 */
export async function prepareTopicsOnceKnown(
  deps: PrepareTopicsDeps,
  prepare: () => Promise<void>,
): Promise<void> {
  const outcome = await runWithRetry(
    { policy: deps.policy ?? TOPIC_PROPAGATION_POLICY, startedAt: Date.now(), signal: deps.signal },
    async (attempt) => {
      try {
        await prepare()
        return { kind: 'done', value: undefined }
      } catch (err) {
        if (!isTopicNotYetKnown(err)) throw err
        deps.logger.debug({ err, attempt }, 'a new topic is not in the metadata yet; retrying')
        return { kind: 'again', last: err }
      }
    },
  )
  if (outcome.kind === 'gave-up') throw outcome.last
}
