import { KafkaJSProtocolError } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { compileRetryPolicy } from '../../src/domain/retry-policy.js'
import { createSilentLogger } from '../../src/ops/logger.js'
import { prepareTopicsOnceKnown } from '../../src/pipeline/prepare-topics.js'

/** What kafkajs throws for error code 3, as a busy KRaft broker answers right after CreateTopics. */
function unknownTopic(): Error {
  return new KafkaJSProtocolError({
    name: 'KafkaJSProtocolError',
    type: 'UNKNOWN_TOPIC_OR_PARTITION',
    code: 3,
    retriable: true,
    message: 'This server does not host this topic-partition',
  } as unknown as Error)
}

const policy = compileRetryPolicy({
  initialDelayMs: 1,
  multiplier: 1,
  maxDelayMs: 1,
  deadlineMs: 200,
  jitter: 'none',
  maxRetryAfterMs: 0,
})
const deps = { logger: createSilentLogger(), signal: new AbortController().signal, policy }

// Regression: `moca-relay run` exited with "unexpected error (a bug)" KafkaJSProtocolError "This
// server does not host this topic-partition" when the broker had not yet put the ledger topics
// it had just created into its metadata (seen in 3 of 6 starts on the shared test broker).
describe('start-up topic preparation', () => {
  it('prepares again while the broker does not know a topic it has just created', async () => {
    let calls = 0
    await prepareTopicsOnceKnown(deps, async () => {
      calls += 1
      if (calls < 3) throw unknownTopic()
    })
    expect(calls).toBe(3)
  })

  it('throws the broker error if the topic never shows up', async () => {
    await expect(
      prepareTopicsOnceKnown(deps, () => Promise.reject(unknownTopic())),
    ).rejects.toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION' })
  })

  it('does not retry other errors', async () => {
    let calls = 0
    const missing = new Error('input topic "x" does not exist')
    await expect(
      prepareTopicsOnceKnown(deps, () => {
        calls += 1
        return Promise.reject(missing)
      }),
    ).rejects.toBe(missing)
    expect(calls).toBe(1)
  })
})
