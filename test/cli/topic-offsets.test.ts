import type { Admin } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { readTopicOffsets, readTopicOffsetsByTimestamp } from '../../src/cli/topic-offsets.js'
import { isRelayError } from '../../src/errors/relay-error.js'
import { quickGiveUpPolicy as QUICK } from '../support/fast-retry-policy.js'
import { createErrorFromCode } from '../support/kafkajs-errors.js'

/** What kafkajs's admin throws while a new partition's leader has not taken it over. */
const notLeader = (): Error => createErrorFromCode(6)

const OFFSETS = [{ partition: 0, offset: '9', high: '9', low: '2' }]

/** An admin whose offset reads fail with `errors`, one per call, then answer. */
function admin(errors: Error[]): { admin: Admin; calls: () => number } {
  let calls = 0
  const answer = async <T>(value: T): Promise<T> => {
    const err = errors[calls++]
    if (err !== undefined) throw err
    return value
  }
  return {
    admin: {
      fetchTopicOffsets: () => answer(OFFSETS),
      fetchTopicOffsetsByTimestamp: () => answer([{ partition: 0, offset: '4' }]),
    } as unknown as Admin,
    calls: () => calls,
  }
}

describe('offset reads while a partition leader is not serving yet', () => {
  it('are made again until the leaders answer', async () => {
    const a = admin([notLeader(), createErrorFromCode(5), notLeader()])
    await expect(readTopicOffsets(a.admin, { topic: 't', policy: QUICK })).resolves.toEqual(OFFSETS)
    expect(a.calls()).toBe(4)
    const b = admin([notLeader()])
    await expect(
      readTopicOffsetsByTimestamp(b.admin, { topic: 't', timestamp: 0, policy: QUICK }),
    ).resolves.toEqual([{ partition: 0, offset: '4' }])
    expect(b.calls()).toBe(2)
  })

  it('any other error is thrown at once, as it is', async () => {
    const refused = createErrorFromCode(29) // TOPIC_AUTHORIZATION_FAILED
    const a = admin([refused])
    await expect(readTopicOffsets(a.admin, { topic: 't', policy: QUICK })).rejects.toBe(refused)
    expect(a.calls()).toBe(1)
  })

  it('leaders still not serving at the deadline are KAFKA_UNAVAILABLE, naming the topic and the fix', async () => {
    const a = admin(Array.from({ length: 1_000 }, notLeader))
    const err: unknown = await readTopicOffsets(a.admin, {
      topic: 'relay.issue-ledger',
      policy: QUICK,
    }).catch((e: unknown) => e)
    expect(isRelayError(err) && err.code).toBe('KAFKA_UNAVAILABLE')
    const message = (err as Error).message
    expect(message).toContain('topic "relay.issue-ledger"')
    expect(message).toContain('This server is not the leader for that topic-partition')
    expect(message).toContain('kafka-topics.sh --describe --topic relay.issue-ledger')
    expect((err as Error).cause).toBeInstanceOf(Error)
  })
})
