import { describe, expect, it } from 'vitest'
import { generatePartnerKey } from '../../src/auth/generate-partner-key.js'
import { runCheck } from '../support/run-check.js'
import { PARTNER_ID, startSandboxFixture } from '../support/sandbox-fixture.js'

/**
 * `moca-relay check` counted any 404 to its status probe as "accepted the partner JWT": a
 * moca.baseUrl with a wrong path or API version (here /v2 on the project's own sandbox, which
 * answers 404 "Not found." to every path it does not serve, as most web servers do) passed with
 * ✓ even when signed by a key MocaChain does not know. The relay then gets 404 on every issue
 * call (MOCA_PROGRAM_NOT_FOUND, circuit open) although check said everything was fine.
 */
describe('moca-relay check against a base URL that answers 404 to everything', () => {
  /** The MocaChain line of a check of `baseUrl`, signing with `privateKeyPem`. */
  async function mocaLine(baseUrl: string, kid: string, privateKeyPem: string) {
    const { out } = await runCheck({
      moca: { baseUrl, partnerId: PARTNER_ID, key: { kid, file: 'partner.pem' } },
      files: { 'partner.pem': privateKeyPem },
    })
    return out.split('\n').find((l) => l.includes('MocaChain'))
  }

  it('does not report that MocaChain accepted the partner JWT', async () => {
    const f = await startSandboxFixture()
    // Same kid as the registered key, another key pair: a real status endpoint would answer 401.
    const stranger = await generatePartnerKey({ alg: 'ES256', kid: f.key.kid })

    const moca = await mocaLine(`${f.sandbox.origin}/v2`, f.key.kid, stranger.privateKeyPem)

    expect(moca).toBeDefined()
    expect(moca).not.toMatch(/^✓/)
    expect(moca).not.toContain('accepted the partner JWT')
    expect(moca).toMatch(/^✗ MocaChain .*answered 404 \("Not found\."\).*base URL .*may be wrong/)
  }, 30_000)

  it("still passes on MocaChain's own 404 for the made-up credential", async () => {
    const f = await startSandboxFixture()

    const moca = await mocaLine(f.sandbox.url, f.key.kid, f.privateKeyPem)

    expect(moca).toMatch(/^✓ MocaChain .*accepted the partner JWT/)
  }, 30_000)
})
