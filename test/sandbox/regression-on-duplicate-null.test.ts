import { describe, expect, it } from 'vitest'
import { rawCall } from '../support/raw-http.js'
import { PROGRAM, SUBJECT, startSandboxFixture, uniqueEmail } from '../support/sandbox-fixture.js'

/**
 * The failure: the sandbox read `onDuplicate` with `?? "revoke"`, so an explicit
 * `"onDuplicate": null` was taken for the default and revoked the user's credential. The API
 * documents onDuplicate as an optional string, "ignore" or "revoke": absent means "revoke", but
 * null is not absent and not one of the two, so MocaChain's answer is a 400 (a client that sends
 * null has a bug the sandbox must not hide), and nothing is revoked.
 */
describe('sandbox, onDuplicate null', () => {
  it('is a 400 that leaves the existing credential alone', async () => {
    const f = await startSandboxFixture()
    const email = uniqueEmail()
    const first = await f.client().issue(f.issueCall({ email }))

    const res = await rawCall(`${f.sandbox.url}/credentials/issue-on-behalf`, {
      headers: { 'x-partner-auth': await f.tokens.tokenFor(email) },
      body: { ...PROGRAM, credentialSubject: SUBJECT, onDuplicate: null },
    })
    expect(res.status).toBe(400)
    expect(res.json).toMatchObject({
      error: 400,
      message: 'Invalid field: onDuplicate (expected "ignore" or "revoke")',
    })
    expect(f.sandbox.stats().credentials).toEqual({ issued: 1, revoked: 0 })
    await expect(
      f.client().status({ email, coreClaimHash: first.coreClaimHash }),
    ).resolves.toMatchObject({ coreClaimHash: first.coreClaimHash })
  })

  it('left out, it still means "revoke"', async () => {
    const f = await startSandboxFixture()
    const email = uniqueEmail()
    await f.client().issue(f.issueCall({ email }))
    const res = await rawCall(`${f.sandbox.url}/credentials/issue-on-behalf`, {
      headers: { 'x-partner-auth': await f.tokens.tokenFor(email) },
      body: { ...PROGRAM, credentialSubject: SUBJECT },
    })
    expect(res.status).toBe(200)
    expect(f.sandbox.stats().credentials).toEqual({ issued: 2, revoked: 1 })
  })
})
