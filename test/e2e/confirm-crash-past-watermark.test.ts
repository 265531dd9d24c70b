import { confirmGroupId } from '../../src/pipeline/relay.js'
import { describe, expect, it } from 'vitest'
import { confirmQueueTopic } from '../../src/ledger/ledger-topics.js'
import { deepMerge, distinctUserEvents, startRelayFixture } from '../support/relay-fixture.js'
import { spawnCli, writeRelayConfig } from '../support/relay-process.js'

describe('invariant 3: no duplicate output events', () => {
  it('a credential.onchain committed past the confirm watermark is not published again after kill -9', async () => {
    // The first status call (user 0's) is never answered: user 0's confirm request, first in the
    // confirm queue, holds the committed offset while user 1's credential is confirmed after it.
    const fixture = await startRelayFixture({
      partitions: 1,
      sandbox: { faults: { status: { next: ['hang'] } } },
    })
    const config = await writeRelayConfig(
      deepMerge(fixture.rawConfig, {
        log: { level: 'info' },
        moca: { requestTimeout: 60_000, uncertaintyWindow: 60_000 },
      }),
    )
    const env = { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem }
    const stats = () => fixture.sandbox.sandbox.stats()
    const [user0, user1] = distinctUserEvents(2)

    await fixture.produce(fixture.topics.kyc, [user0!])
    const first = spawnCli(['run', '--config', config], env, 'confirm-crash-1')
    await expect.poll(() => stats().status.hangs, { timeout: 60_000 }).toBe(1)
    await fixture.produce(fixture.topics.kyc, [user1!])
    const before = await fixture.readOutputs((e) => e.onchain.length >= 1, 60_000)
    expect(before.onchain.map((e) => e.source.offset)).toEqual(['1'])
    // user 1's onchain is committed; the confirm group's offset is still at user 0's request
    first.kill('SIGKILL')
    expect(await first.exited).toBeNull()

    // The restarted relay reads both confirm requests again and confirms user 0.
    const second = spawnCli(['run', '--config', config], env, 'confirm-crash-2')
    const admin = await fixture.env.admin()
    const queue = confirmQueueTopic(
      (fixture.rawConfig.topics as { internalPrefix: string }).internalPrefix,
    )
    // Two confirm requests, each written in a transaction: the topic ends with a commit marker,
    // so the group has read everything at high - 1.
    const [end] = await admin.fetchTopicOffsets(queue)
    const readAll = Number(end!.high) - 1
    await expect
      .poll(
        async () =>
          Number(
            (
              await admin.fetchOffsets({
                groupId: confirmGroupId(fixture.groupId),
                topics: [queue],
              })
            )[0]!.partitions[0]!.offset,
          ),
        { timeout: 60_000 },
      )
      .toBeGreaterThanOrEqual(readAll)

    const out = await fixture.readOutputs((e) => e.onchain.length >= 2)
    expect(out.onchain.map((e) => e.source.offset).sort()).toEqual(['0', '1'])
    expect(out.issued).toHaveLength(2)
    second.kill('SIGTERM')
    expect(await second.exited).toBe(0)
  }, 120_000)
})
