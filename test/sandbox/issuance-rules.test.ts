import { describe, expect, it } from 'vitest'
import { rawCall } from '../support/raw-http.js'
import {
  PARTNER_ID,
  PROGRAM,
  SUBJECT,
  startSandboxFixture,
  uniqueEmail,
  type PartnerFixture,
  type SandboxFixture,
} from '../support/sandbox-fixture.js'

/** A raw status call signed by `partner` for `email`, to read the sandbox's own answer. */
async function statusWith(
  f: SandboxFixture,
  partner: PartnerFixture,
  email: string,
  coreClaimHash: string,
) {
  return rawCall(`${f.sandbox.url}/credentials/status?coreClaimHash=${coreClaimHash}`, {
    headers: { 'x-partner-auth': await partner.tokens.tokenFor(email) },
  })
}

async function post(f: SandboxFixture, body: unknown, email = uniqueEmail()) {
  return rawCall(`${f.sandbox.url}/credentials/issue-on-behalf`, {
    headers: { 'x-partner-auth': await f.tokens.tokenFor(email) },
    body,
  })
}

describe('sandbox: request checks, in MocaChain order', () => {
  it.each([
    [
      'issuerDid missing',
      { credentialId: PROGRAM.credentialId, credentialSubject: SUBJECT },
      'Missing required field: issuerDid',
    ],
    [
      'credentialId missing',
      { issuerDid: PROGRAM.issuerDid, credentialSubject: SUBJECT },
      'Missing required field: credentialId',
    ],
    ['credentialSubject missing', { ...PROGRAM }, 'Missing required field: credentialSubject'],
    [
      'credentialSubject not an object',
      { ...PROGRAM, credentialSubject: [1] },
      'Invalid field: credentialSubject (expected an object)',
    ],
    [
      'issuerDid not a string',
      { ...PROGRAM, issuerDid: 7, credentialSubject: SUBJECT },
      'Invalid field: issuerDid (expected a string)',
    ],
    [
      'an unknown onDuplicate',
      { ...PROGRAM, credentialSubject: SUBJECT, onDuplicate: 'merge' },
      'Invalid field: onDuplicate (expected "ignore" or "revoke")',
    ],
    [
      'a subject field missing',
      { ...PROGRAM, credentialSubject: { age: 25, location: 'US' } },
      'Missing required field: credentialSubject.isMember',
    ],
    [
      'an extra subject field',
      { ...PROGRAM, credentialSubject: { ...SUBJECT, vip: true } },
      'Unexpected field: credentialSubject.vip',
    ],
    [
      'a mistyped subject field',
      { ...PROGRAM, credentialSubject: { ...SUBJECT, age: '25' } },
      'Invalid type for credentialSubject.age: expected integer',
    ],
    ['a body that is not JSON', 'issuerDid=x', 'Request body must be a JSON object.'],
  ])('400 for %s', async (_what, body, message) => {
    const f = await startSandboxFixture()
    const res = await post(f, body)
    expect(res.status).toBe(400)
    expect(res.json).toMatchObject({ error: 400, message })
  })

  it('404 for an unknown program, or a program of another issuer', async () => {
    const f = await startSandboxFixture()
    for (const body of [
      { ...PROGRAM, credentialId: 'c00000000000000000000x', credentialSubject: SUBJECT },
      { ...PROGRAM, issuerDid: 'did:air:id:test:someoneElse', credentialSubject: SUBJECT },
    ]) {
      expect((await post(f, body)).json).toEqual({
        error: 404,
        message: 'Unknown issuer DID or issuance program.',
      })
    }
  })

  it("403 when the program's schema is owned by another DID", async () => {
    const f = await startSandboxFixture({
      config: {
        programs: [{ ...PROGRAM, partnerId: PARTNER_ID, schemaOwnerDid: 'did:air:id:test:owner' }],
      },
    })
    const res = await post(f, { ...PROGRAM, credentialSubject: { anything: 1 } })
    expect(res.status).toBe(403)
    expect(res.json).toMatchObject({
      message: 'Feature not enabled or schema not allowed for this partner.',
    })
  })

  it('auth comes first, then the feature gate, then the body', async () => {
    const f = await startSandboxFixture()
    const noAuth = await rawCall(`${f.sandbox.url}/credentials/issue-on-behalf`, {
      body: 'garbage',
    })
    expect(noAuth.status).toBe(401)
    f.sandbox.setFeatureEnabled(PARTNER_ID, false)
    expect((await post(f, 'garbage')).status).toBe(403)
    f.sandbox.setFeatureEnabled(PARTNER_ID, true)
    expect((await post(f, 'garbage')).status).toBe(400)
  })
})

describe('sandbox: users, consent and duplicates', () => {
  it('"revoke" revokes the existing credential and issues a new one', async () => {
    const f = await startSandboxFixture()
    const client = f.client()
    const email = uniqueEmail()
    const first = await client.issue(f.issueCall({ email }))
    const second = await client.issue(f.issueCall({ email, onDuplicate: 'revoke' }))
    expect(second.coreClaimHash).not.toBe(first.coreClaimHash)
    expect(f.sandbox.calls.list()[1]).toMatchObject({
      action: 'reissued',
      applied: true,
      revokedCoreClaimHash: first.coreClaimHash,
    })
    expect(f.sandbox.stats().credentials).toEqual({ issued: 2, revoked: 1 })
  })

  it('"ignore" returns the existing credential (return-existing mode)', async () => {
    const f = await startSandboxFixture({ settings: { duplicateIgnoreMode: 'return-existing' } })
    const client = f.client()
    const email = uniqueEmail()
    const first = await client.issue(f.issueCall({ email }))
    const again = await client.issue(f.issueCall({ email, onDuplicate: 'ignore' }))
    expect(again).toEqual(first)
    expect(f.sandbox.calls.list()[1]).toMatchObject({ action: 'returned-existing', applied: false })
  })

  it('"ignore" with no existing credential just issues, in both modes', async () => {
    for (const duplicateIgnoreMode of ['return-existing', 'conflict'] as const) {
      const f = await startSandboxFixture({ settings: { duplicateIgnoreMode } })
      const issued = await f.client().issue(f.issueCall({ onDuplicate: 'ignore' }))
      expect(issued.coreClaimHash).toMatch(/^[0-9a-f]{64}$/)
    }
  })

  it('duplicates are per user and program: another user is not a duplicate', async () => {
    const f = await startSandboxFixture({ settings: { duplicateIgnoreMode: 'conflict' } })
    const client = f.client()
    await client.issue(f.issueCall())
    await expect(client.issue(f.issueCall({ onDuplicate: 'ignore' }))).resolves.toBeTruthy()
  })

  it('one user whatever the case of the email: consent rejected under one spelling refuses the other', async () => {
    const f = await startSandboxFixture()
    const email = uniqueEmail()
    f.sandbox.setConsentRejected(email.toUpperCase(), true)
    expect((await post(f, { ...PROGRAM, credentialSubject: SUBJECT }, email)).status).toBe(409)
  })

  it('status answers 403 while Issue on Behalf is disabled for the partner', async () => {
    const f = await startSandboxFixture()
    const client = f.client()
    const email = uniqueEmail()
    const issued = await client.issue(f.issueCall({ email }))
    f.sandbox.setFeatureEnabled(PARTNER_ID, false)
    await expect(
      client.status({ email, coreClaimHash: issued.coreClaimHash }),
    ).rejects.toMatchObject({ httpStatus: 403, classification: 'systemic' })
  })

  it('a user who rejected consent gets 409, from config or from the control API', async () => {
    const f = await startSandboxFixture({
      config: { users: [{ email: 'no@example.com', consentRejected: true }] },
    })
    const res = await post(f, { ...PROGRAM, credentialSubject: SUBJECT }, 'no@example.com')
    expect(res.json).toEqual({ error: 409, message: 'Consent rejected by user.' })

    const email = uniqueEmail()
    expect((await post(f, { ...PROGRAM, credentialSubject: SUBJECT }, email)).status).toBe(200)
    f.sandbox.setConsentRejected(email, true)
    expect((await post(f, { ...PROGRAM, credentialSubject: SUBJECT }, email)).status).toBe(409)
    f.sandbox.setConsentRejected(email, false)
    expect((await post(f, { ...PROGRAM, credentialSubject: SUBJECT }, email)).status).toBe(200)
  })

  it("status of another partner's hash is not found, even for the same holder; its own partner gets it", async () => {
    const f = await startSandboxFixture({ otherPartners: ['partner-b'] })
    const email = uniqueEmail()
    const issued = await f.client().issue(f.issueCall({ email }))
    const askA = await statusWith(f, f, email, issued.coreClaimHash)
    expect(askA.status).toBe(200)
    expect(askA.json).toMatchObject({ coreClaimHash: issued.coreClaimHash })
    // Same holder email and holder checks off: only the partner tells B apart from A. B's token is
    // good (a bad one would be 401), and the 404 does not reveal that the hash exists.
    const askB = await statusWith(f, f.partner('partner-b'), email, issued.coreClaimHash)
    expect(askB.status).toBe(404)
    expect(askB.json).toEqual({ error: 404, message: 'No credential found for the given hash.' })
  })

  it('status of a hash issued less than statusLagMs ago is not found (a lagging status index), answered once the lag is over', async () => {
    const f = await startSandboxFixture({ settings: { statusLagMs: 600_000 } })
    const client = f.client()
    const email = uniqueEmail()
    const issued = await client.issue(f.issueCall({ email }))
    await expect(
      client.status({ email, coreClaimHash: issued.coreClaimHash }),
    ).rejects.toMatchObject({ code: 'MOCA_STATUS_NOT_FOUND', httpStatus: 404 })
    f.sandbox.updateSettings({ statusLagMs: 0 })
    await expect(
      client.status({ email, coreClaimHash: issued.coreClaimHash }),
    ).resolves.toMatchObject({ coreClaimHash: issued.coreClaimHash })
  })

  it("status of another holder's hash is not found when statusRequiresHolderEmail is on, answered when off", async () => {
    const f = await startSandboxFixture({ settings: { statusRequiresHolderEmail: true } })
    const client = f.client()
    const email = uniqueEmail()
    const issued = await client.issue(f.issueCall({ email }))
    await expect(
      client.status({ email, coreClaimHash: issued.coreClaimHash }),
    ).resolves.toBeTruthy()
    await expect(
      client.status({ email: uniqueEmail(), coreClaimHash: issued.coreClaimHash }),
    ).rejects.toMatchObject({
      code: 'MOCA_STATUS_NOT_FOUND',
    })
    f.sandbox.updateSettings({ statusRequiresHolderEmail: false })
    await expect(
      client.status({ email: uniqueEmail(), coreClaimHash: issued.coreClaimHash }),
    ).resolves.toBeTruthy()
  })

  it('the holder is one user whatever the case of the email: statusRequiresHolderEmail finds the credential under another spelling', async () => {
    const f = await startSandboxFixture({ settings: { statusRequiresHolderEmail: true } })
    const email = uniqueEmail()
    const issued = await f.client().issue(f.issueCall({ email }))
    const res = await statusWith(f, f, email.toUpperCase(), issued.coreClaimHash)
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ coreClaimHash: issued.coreClaimHash })
  })

  it('status without coreClaimHash is a 400', async () => {
    const f = await startSandboxFixture()
    const res = await rawCall(`${f.sandbox.url}/credentials/status`, {
      headers: { 'x-partner-auth': await f.tokens.tokenFor(uniqueEmail()) },
    })
    expect(res.json).toEqual({ error: 400, message: 'Missing required field: coreClaimHash' })
  })

  it('answers 404 for paths MocaChain does not serve', async () => {
    const f = await startSandboxFixture()
    expect(
      (await rawCall(`${f.sandbox.origin}/credentials/issue-on-behalf`, { body: {} })).status,
    ).toBe(404)
    expect((await rawCall(`${f.sandbox.url}/credentials/issue-on-behalf`)).status).toBe(404)
  })
})
