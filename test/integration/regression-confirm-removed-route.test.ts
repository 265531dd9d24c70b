import { describe, expect, it } from 'vitest'
import { confirmQueueTopic } from '../../src/ledger/ledger-topics.js'
import { encodeConfirmRequest } from '../../src/pipeline/confirm-request.js'
import { captureLogs } from '../support/capture-logs.js'
import { confirmRequest } from '../support/confirm-harness.js'
import {
  KYC_PROGRAM,
  startRelayFixture,
  UNKNOWN_HASH_FAILS_AT_ONCE,
} from '../support/relay-fixture.js'

/**
 * Was: a confirm request of a route the config no longer has (renamed or removed after the
 * credential was issued) made the confirm stage ask for a circuit that did not exist. That threw
 * as a bug, the partition was rebuilt, read the request again and threw again, for ever: the
 * credential never got its final event, and the records behind it waited with it.
 */
describe('a confirm request of a route the config no longer has', () => {
  it('is polled to its end like any other, and the records behind it go on', async () => {
    const fixture = await startRelayFixture({ partitions: 1 })
    const logs = captureLogs()
    await fixture.startRelay({ logger: logs.logger, config: UNKNOWN_HASH_FAILS_AT_ONCE })

    // MocaChain knows neither hash: a request the stage polls ends MOCA_STATUS_NOT_FOUND.
    const request = (key: string, route: string) =>
      confirmRequest({
        idempotencyKey: key,
        route,
        program: KYC_PROGRAM,
        coreClaimHash: `hash-${key}`,
        issuedAt: Date.now(),
        source: { topic: fixture.topics.kyc, partition: 0, offset: '0', eventId: null },
      })
    const producer = await fixture.env.producer()
    await producer.send({
      topic: confirmQueueTopic(fixture.groupId),
      acks: -1,
      messages: [
        { key: 'u0', value: encodeConfirmRequest(request('renamed-away', 'kyc-before-rename')) },
        { key: 'u1', value: encodeConfirmRequest(request('configured', 'kyc')) },
      ],
    })

    const out = await fixture.readOutputs((e) => e.failed.length >= 2, 20_000)
    expect(out.failed.map((e) => [e.idempotencyKey, e.route, e.failure.code]).sort()).toEqual([
      ['configured', 'kyc', 'MOCA_STATUS_NOT_FOUND'],
      ['renamed-away', 'kyc-before-rename', 'MOCA_STATUS_NOT_FOUND'],
    ])
    expect(logs.lines.filter((l) => l.level === 'warn' && l.route === 'kyc-before-rename')).toEqual(
      [expect.objectContaining({ msg: expect.stringMatching(/route the config no longer has/) })],
    )
  })
})
