import { describe, expect, it } from 'vitest'
import { confirmQueueTopic } from '../../src/ledger/ledger-topics.js'
import { encodeConfirmRequest } from '../../src/pipeline/confirm-request.js'
import { confirmGroupId } from '../../src/pipeline/relay.js'
import { captureLogs } from '../support/capture-logs.js'
import { confirmRequest } from '../support/confirm-harness.js'
import {
  KYC_PROGRAM,
  startRelayFixture,
  UNKNOWN_HASH_FAILS_AT_ONCE,
} from '../support/relay-fixture.js'

/**
 * Was: the confirm stage logged a confirm-queue record it could not read as "skipped" and
 * committed past it, corrupt or written by a newer relay alike: the issued credential behind it
 * never got its credential.onchain or credential.failed (invariant 1, nothing lost).
 */
describe('confirm-queue records the relay cannot act on', () => {
  it('ends a corrupt one as credential.failed and passes it; stops at one a newer relay wrote and passes nothing after it', async () => {
    const fixture = await startRelayFixture({ partitions: 2 })
    const logs = captureLogs()
    await fixture.startRelay({ logger: logs.logger, config: UNKNOWN_HASH_FAILS_AT_ONCE })
    const queue = confirmQueueTopic(fixture.groupId)

    // MocaChain knows none of these hashes: a request the stage reads ends MOCA_STATUS_NOT_FOUND.
    const request = (key: string) =>
      confirmRequest({
        idempotencyKey: key,
        program: KYC_PROGRAM,
        coreClaimHash: `hash-${key}`,
        issuedAt: Date.now(),
        source: { topic: fixture.topics.kyc, partition: 0, offset: '0', eventId: null },
      })
    const { email: _email, ...withoutEmail } = request('no-email')
    const json = (value: object) => Buffer.from(JSON.stringify(value))
    const producer = await fixture.env.producer()
    await producer.send({
      topic: queue,
      acks: -1,
      messages: [
        { partition: 0, key: 'u0', value: json(withoutEmail) },
        { partition: 0, key: 'u1', value: encodeConfirmRequest(request('before')) },
        { partition: 0, key: 'u2', value: json({ ...request('newer'), v: 2 }) },
        { partition: 0, key: 'u3', value: encodeConfirmRequest(request('after')) },
        { partition: 1, key: 'u4', value: null },
      ],
    })

    const out = await fixture.readOutputs((e) => e.failed.length >= 3, 20_000)
    expect(out.failed.map((e) => [e.idempotencyKey ?? '(none)', e.failure.code]).sort()).toEqual([
      ['(none)', 'CONFIRM_REQUEST_INVALID'],
      ['before', 'MOCA_STATUS_NOT_FOUND'],
      ['no-email', 'CONFIRM_REQUEST_INVALID'],
    ])
    expect(out.onchain).toEqual([])
    const corrupt = out.failed.find((e) => e.idempotencyKey === 'no-email')
    expect(corrupt).toMatchObject({
      stage: 'confirm',
      route: 'kyc',
      source: { topic: fixture.topics.kyc, partition: 0, offset: '0' },
    })
    expect(corrupt?.failure.message).toContain(`${queue}/0 offset 0`)
    const tombstone = out.failed.find((e) => e.idempotencyKey === null)
    expect(tombstone?.source).toEqual({ topic: queue, partition: 1, offset: '0', eventId: null })

    // The group passes what ended, and stops at the newer relay's record (offset 2).
    const admin = await fixture.env.admin()
    await expect
      .poll(async () => {
        const [committed] = await admin.fetchOffsets({
          groupId: confirmGroupId(fixture.groupId),
          topics: [queue],
        })
        return committed!.partitions.map((p) => [p.partition, p.offset]).sort()
      })
      .toEqual([
        [0, '2'],
        [1, '1'],
      ])
    const said = logs.lines.filter((l) =>
      /written by a newer relay: upgrade this relay/.test(String(l.msg)),
    )
    expect(said[0]).toMatchObject({
      level: 'warn',
      offset: '2',
      code: 'CONFIRM_REQUEST_NEWER_VERSION',
    })
    // and the stop itself is the runner's error line, naming the record
    expect(
      logs.lines.find((l) =>
        /^partition stopped: CONFIRM_REQUEST_NEWER_VERSION/.test(String(l.msg)),
      ),
    ).toMatchObject({ level: 'error', offset: '2' })
  })
})
