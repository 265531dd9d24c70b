import { describe, expect, it } from 'vitest'
import { startRelayFixture } from '../support/relay-fixture.js'

describe('regression: credential.failed for a malformed record that holds an email', () => {
  it('does not carry the email in clear', async () => {
    // The failure (found by the security checks): a malformed record is quoted in its
    // credential.failed message ("near …", the bytes around the error), so a user's email in
    // those bytes was published unmasked to the failed topic.
    const fixture = await startRelayFixture({ partitions: 1 })
    const email = 'bo@example.com'
    await fixture.produce(fixture.topics.kyc, [
      { key: 'truncated', value: `{"user":{"email":"${email}"}` },
    ])
    await fixture.startRelay()
    const out = await fixture.readOutputs((e) => e.failed.length >= 1)
    expect(out.failed[0]!.failure.code).toBe('INPUT_UNDECODABLE')
    expect(out.records[0]!.value).not.toContain(email)
    expect(out.failed[0]!.failure.message).toContain('b***@example.com')
  })
})
