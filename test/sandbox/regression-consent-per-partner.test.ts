import { describe, expect, it } from 'vitest'
import { catchMocaError } from '../support/catch-moca-error.js'
import { rawCall } from '../support/raw-http.js'
import {
  PARTNER_ID,
  PROGRAM,
  SUBJECT_SCHEMA,
  startSandboxFixture,
  uniqueEmail,
  type SandboxFixture,
} from '../support/sandbox-fixture.js'

/**
 * The failure: the sandbox kept consent as one flag per user, so a user who rejected credentials
 * from partner A was answered 409 when partner B issued to them too. MocaChain's 409 is about
 * credentials "from this partner" (mocachain-facts §4.3: a per-(user, partner) flag), so a test
 * with two partners saw a refusal MocaChain would not give.
 */
const PARTNER_B = 'partner-b'
const PROGRAM_B = {
  issuerDid: 'did:air:id:test:partnerBIssuer',
  credentialId: 'c00000000000000000000b',
}
const programs = [
  { ...PROGRAM, partnerId: PARTNER_ID, credentialSubjectSchema: SUBJECT_SCHEMA },
  { ...PROGRAM_B, partnerId: PARTNER_B, credentialSubjectSchema: SUBJECT_SCHEMA },
]

async function issueAsBoth(f: SandboxFixture, email: string) {
  const a = f.client().issue(f.issueCall({ email }))
  const b = f
    .partner(PARTNER_B)
    .client()
    .issue(f.issueCall({ email, program: PROGRAM_B }))
  return Promise.allSettled([a, b])
}

describe('sandbox, consent with two partners', () => {
  it("a user who rejected partner A's credentials still gets partner B's", async () => {
    const f = await startSandboxFixture({ otherPartners: [PARTNER_B], config: { programs } })
    const email = uniqueEmail()
    f.sandbox.setConsentRejected(email, true, PARTNER_ID)
    const [a, b] = await issueAsBoth(f, email)
    expect(a.status === 'rejected' && a.reason).toMatchObject({ code: 'MOCA_CONSENT_REJECTED' })
    expect(b.status).toBe('fulfilled')
  })

  it('a user listed in the config rejects only the partner named there', async () => {
    const email = uniqueEmail()
    const f = await startSandboxFixture({
      otherPartners: [PARTNER_B],
      config: { programs, users: [{ email, partnerId: PARTNER_B, consentRejected: true }] },
    })
    const [a, b] = await issueAsBoth(f, email)
    expect(a.status).toBe('fulfilled')
    expect(b.status === 'rejected' && b.reason).toMatchObject({ code: 'MOCA_CONSENT_REJECTED' })
  })

  it('the control API sets consent per partner, and refuses a change that does not say which', async () => {
    const f = await startSandboxFixture({ otherPartners: [PARTNER_B], config: { programs } })
    const control = `${f.sandbox.origin}/_sandbox`
    const email = uniqueEmail()
    const unnamed = await rawCall(`${control}/consent`, { body: { email, rejected: true } })
    expect(unnamed.status).toBe(400)
    expect((unnamed.json as { message: string }).message).toContain('partnerId')
    const named = await rawCall(`${control}/consent`, {
      body: { email, rejected: true, partnerId: PARTNER_B },
    })
    expect(named.status).toBe(200)
    const [a, b] = await issueAsBoth(f, email)
    expect(a.status).toBe('fulfilled')
    expect(b.status === 'rejected' && b.reason).toMatchObject({ code: 'MOCA_CONSENT_REJECTED' })

    await rawCall(`${control}/consent`, { body: { email, rejected: false, partnerId: PARTNER_B } })
    expect(
      await f
        .partner(PARTNER_B)
        .client()
        .issue(f.issueCall({ email, program: PROGRAM_B })),
    ).toMatchObject({ credentialId: PROGRAM_B.credentialId })
  })

  it('with one partner, a consent change need not name it', async () => {
    const f = await startSandboxFixture()
    const email = uniqueEmail()
    f.sandbox.setConsentRejected(email, true)
    expect(await catchMocaError(f.client().issue(f.issueCall({ email })))).toMatchObject({
      code: 'MOCA_CONSENT_REJECTED',
    })
  })
})
