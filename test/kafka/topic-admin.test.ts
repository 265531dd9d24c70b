import { KafkaJSProtocolError } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { retryWhileUnsettled } from '../../src/kafka/topic-admin.js'

/** The error kafkajs raises when a broker answers UNKNOWN_TOPIC_OR_PARTITION (code 3). */
function unknownTopic(): Error {
  return new KafkaJSProtocolError({
    type: 'UNKNOWN_TOPIC_OR_PARTITION',
    code: 3,
    retriable: true,
    message: 'This server does not host this topic-partition',
  })
}

describe('metadata reads right after a topic was created', () => {
  it('retries "does not host this topic-partition" until the broker knows the topic', async () => {
    let calls = 0
    const result = await retryWhileUnsettled(async () => {
      calls += 1
      if (calls < 3) throw unknownTopic()
      return 'metadata'
    }, [1, 1, 1])
    expect(result).toBe('metadata')
    expect(calls).toBe(3)
  })

  it('gives up after its retries with the broker error', async () => {
    let calls = 0
    const read = retryWhileUnsettled(async () => {
      calls += 1
      throw unknownTopic()
    }, [1, 1])
    await expect(read).rejects.toThrow('does not host this topic-partition')
    expect(calls).toBe(3)
  })

  it('does not retry other errors', async () => {
    let calls = 0
    const read = retryWhileUnsettled(async () => {
      calls += 1
      throw new Error('authorization failed')
    }, [1, 1])
    await expect(read).rejects.toThrow('authorization failed')
    expect(calls).toBe(1)
  })
})
