import { describe, expect, it } from 'vitest'
import { KYC_PROGRAM, startRelayFixture } from '../support/relay-fixture.js'

describe('invariant 1: nothing lost', () => {
  it('ends every input record as issued, failed with a reason, or a documented skip', async () => {
    const fixture = await startRelayFixture({
      partitions: 2,
      sandbox: { config: { users: [{ email: 'says-no@example.com', consentRejected: true }] } },
    })
    // One route with a filter: kyc.started events are a documented skip, not a failure.
    const relayConfig = {
      routes: [
        {
          name: 'kyc',
          topics: [fixture.topics.kyc],
          program: KYC_PROGRAM,
          email: 'user.email',
          filter: 'type != "kyc.started"',
          credentialSubject: { kycVerified: true, level: 'level' },
        },
      ],
    }
    const good = (i: number) => ({
      key: `u${i}`,
      value: JSON.stringify({
        type: 'kyc.completed',
        user: { email: `ok${i}@example.com` },
        level: i,
      }),
    })
    const inputs = [
      good(1),
      { key: 'u2', value: '{"type": "kyc.completed", "user": ' }, // truncated JSON
      { key: 'u3', value: null }, // tombstone
      { key: 'u4', value: Buffer.from([0xff, 0xfe, 0x7b, 0x7d]) }, // not UTF-8
      { key: 'u5', value: JSON.stringify({ type: 'kyc.completed', user: {}, level: 2 }) }, // no email
      {
        key: 'u6',
        value: JSON.stringify({
          type: 'kyc.completed',
          user: { email: 'bad@example.com' },
          level: 'two',
        }),
      }, // 400: level is not an integer
      {
        key: 'u7',
        value: JSON.stringify({
          type: 'kyc.completed',
          user: { email: 'says-no@example.com' },
          level: 3,
        }),
      }, // 409: consent
      {
        key: 'u8',
        value: JSON.stringify({
          type: 'kyc.started',
          user: { email: 'ok8@example.com' },
          level: 1,
        }),
      }, // filtered: a documented skip
      good(9),
    ]
    await fixture.produce(fixture.topics.kyc, inputs)
    const relay = await fixture.startRelay({ config: relayConfig })

    const out = await fixture.readOutputs((e) => e.onchain.length >= 2 && e.failed.length >= 6)
    expect(out.failed.map((f) => f.failure.code).sort()).toEqual([
      'INPUT_INVALID',
      'INPUT_UNDECODABLE',
      'INPUT_UNDECODABLE',
      'INPUT_UNDECODABLE',
      'MOCA_BAD_REQUEST',
      'MOCA_CONSENT_REJECTED',
    ])
    const byCode = new Map(out.failed.map((f) => [f.failure.code, f]))
    // Each failure names where it came from and why, precisely enough to fix and redrive.
    for (const failed of out.failed) {
      expect(failed.source.topic).toBe(fixture.topics.kyc)
      expect(failed.source.offset).toMatch(/^\d+$/)
      expect(failed.failure.message.length).toBeGreaterThan(20)
    }
    expect(byCode.get('MOCA_BAD_REQUEST')).toMatchObject({
      stage: 'issue',
      failure: { httpStatus: 400 },
    })
    expect(byCode.get('MOCA_CONSENT_REJECTED')).toMatchObject({
      stage: 'issue',
      failure: { httpStatus: 409 },
    })
    expect(byCode.get('INPUT_INVALID')?.failure.message).toContain('user.email')
    expect(out.issued.map((e) => e.source.offset).length).toBe(2)

    // 2 issued + 6 failed + 1 filtered skip = 9 inputs, and the relay committed past all of them.
    const admin = await fixture.env.admin()
    const end = await admin.fetchTopicOffsets(fixture.topics.kyc)
    await expect
      .poll(async () => {
        const now = await admin.fetchOffsets({
          groupId: fixture.groupId,
          topics: [fixture.topics.kyc],
        })
        return now[0]!.partitions.map((p) => p.offset).sort()
      })
      .toEqual(end.map((p) => p.high).sort())
    expect(relay.relay.readiness().ready).toBe(true)
  })
})
