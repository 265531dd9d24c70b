import type { Admin } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { findActiveRangeRuns } from '../../src/cli/active-range-runs.js'
import { whenGroupCoordinatorReady } from '../../src/cli/group-coordinator-retry.js'
import { resolveOffsets, rangePastLiveRelay } from '../../src/cli/offset-spec.js'
import { readGroupCommits } from '../../src/cli/run-commits.js'
import { isRelayError } from '../../src/errors/relay-error.js'
import { quickGiveUpPolicy as QUICK } from '../support/fast-retry-policy.js'
import { createErrorFromCode } from '../support/kafkajs-errors.js'

/** What kafkajs's admin throws while the group's coordinator loads __consumer_offsets. */
const loading = (): Error => createErrorFromCode(14)
const notCoordinator = (): Error => createErrorFromCode(16)

/** A call that fails with `errors`, one per call, then answers `value`. */
function failingFirst<T>(
  errors: Error[],
  value: T,
): { call: () => Promise<T>; calls: () => number } {
  let calls = 0
  return {
    call: async () => {
      const err = errors[calls++]
      if (err !== undefined) throw err
      return value
    },
    calls: () => calls,
  }
}

describe('group requests while the group coordinator is not ready', () => {
  it('are made again until the coordinator answers', async () => {
    const request = failingFirst([loading(), notCoordinator(), loading()], 'answer')
    await expect(
      whenGroupCoordinatorReady({ groups: ['g'], policy: QUICK }, request.call),
    ).resolves.toBe('answer')
    expect(request.calls()).toBe(4)
  })

  it('any other error is thrown at once, as it is', async () => {
    const refused = createErrorFromCode(30) // GROUP_AUTHORIZATION_FAILED
    const request = failingFirst([refused], 'answer')
    await expect(
      whenGroupCoordinatorReady({ groups: ['g'], policy: QUICK }, request.call),
    ).rejects.toBe(refused)
    expect(request.calls()).toBe(1)
  })

  it('a coordinator still not ready at the deadline is KAFKA_UNAVAILABLE, naming the group and the fix', async () => {
    const err: unknown = await whenGroupCoordinatorReady(
      { groups: ['relay.g'], policy: QUICK },
      () => Promise.reject(loading()),
    ).catch((e: unknown) => e)
    expect(isRelayError(err) && err.code).toBe('KAFKA_UNAVAILABLE')
    const message = (err as Error).message
    expect(message).toContain('group "relay.g"')
    expect(message).toContain("The coordinator is loading and hence can't process requests")
    expect(message).toContain('offsets.topic.replication.factor')
    expect((err as Error).cause).toBeInstanceOf(Error)
  })
})

describe('regression: a command that reads a group first on a broker that has just started', () => {
  // The failure: `moca-relay replay --dry-run` exited 70 ("unexpected error", a bug) in CI when it
  // was the first client to read a consumer group on a fresh broker: admin.fetchOffsets threw
  // the coordinator's "The coordinator is loading and hence can't process requests for this
  // group" (GROUP_LOAD_IN_PROGRESS) as it was. Each group read of the commands waits it out.
  const topic = 't'
  const admin = (failures: Error[]): Admin => {
    const offsets = failingFirst(failures, [
      { topic, partitions: [{ partition: 0, offset: '7', metadata: null }] },
    ])
    const groups = failingFirst([...failures], {
      groups: [{ groupId: 'relay.replay-20261127084906-bbfcd6', protocolType: 'consumer' }],
    })
    const described = failingFirst([...failures], { groups: [] })
    return {
      fetchOffsets: offsets.call,
      listGroups: groups.call,
      describeGroups: described.call,
      listTopics: async () => [topic],
      fetchTopicMetadata: async () => ({
        topics: [{ name: topic, partitions: [{ partitionId: 0 }] }],
      }),
      fetchTopicOffsets: async () => [{ partition: 0, offset: '9', high: '9', low: '0' }],
    } as unknown as Admin
  }

  it('readGroupCommits (a resumed replay or redrive)', async () => {
    await expect(readGroupCommits(admin([loading()]), 'relay.run', topic)).resolves.toEqual(
      new Map([[0, 7]]),
    )
  })

  it('--from/--to live', async () => {
    await expect(
      resolveOffsets(admin([loading(), notCoordinator()]), topic, { kind: 'live' }, 'relay'),
    ).resolves.toEqual(new Map([[0, 7]]))
  })

  it('the checks for a live relay and for other runs before a replay', async () => {
    const range = { from: new Map([[0, 0]]), to: new Map([[0, 9]]) }
    await expect(rangePastLiveRelay(admin([loading()]), topic, range, 'relay')).resolves.toEqual({
      members: 0,
      partitions: [],
    })
    await expect(findActiveRangeRuns(admin([loading()]), 'relay')).resolves.toEqual([])
  })
})
