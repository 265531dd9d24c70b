import { describe, expect, it } from 'vitest'
import { generatePartnerKey } from '../../src/auth/generate-partner-key.js'
import { findFreePort } from '../support/free-port.js'
import { runCheck } from '../support/run-check.js'

/**
 * Was: `moca-relay check` answered "✓ config" for a route whose JSONata did not compile or whose
 * credentialSubjectModule could not be loaded, and `moca-relay run` then refused the same file:
 * only start-up compiled the routes. check now compiles them as start-up does.
 */
describe('moca-relay check compiles the routes', () => {
  async function check(
    route: Record<string, unknown>,
    files: Record<string, string> = {},
  ): Promise<string> {
    const key = await generatePartnerKey({ kid: 'k1' })
    const { out } = await runCheck({
      moca: {
        baseUrl: `http://127.0.0.1:${await findFreePort()}/v1`,
        partnerId: 'p1',
        key: { kid: 'k1', file: 'partner.pem' },
      },
      routes: [
        {
          name: 'kyc',
          topics: ['kyc.completed'],
          program: { issuerDid: 'did:air:id:test:x', credentialId: 'c1' },
          ...route,
        },
      ],
      files: { 'partner.pem': key.privateKeyPem, ...files },
    })
    return out
  }

  it('a filter that is not valid JSONata fails the config line, naming the route and field', async () => {
    const out = await check({
      filter: 'type = "kyc.completed" and (',
      credentialSubject: { level: 'level' },
    })
    expect(out).toMatch(/^✗ config +CONFIG_INVALID: invalid configuration in .*relay\.json:$/m)
    expect(out).toMatch(/^ {2}- routes\[0\]\.filter \(route "kyc"\): invalid JSONata expression/m)
  }, 30_000)

  it('a credentialSubject expression that is not valid JSONata fails it too', async () => {
    const out = await check({ credentialSubject: { level: 'kyc.level +' } })
    expect(out).toMatch(
      /^ {2}- routes\[0\]\.credentialSubject\.level \(route "kyc"\): invalid JSONata expression/m,
    )
  }, 30_000)

  it('a credentialSubjectModule that cannot be loaded fails it', async () => {
    const out = await check({ credentialSubjectModule: './nope.mjs' })
    expect(out).toMatch(
      /^✗ config +CONFIG_INVALID: route "kyc": cannot load credentialSubjectModule .*nope\.mjs/m,
    )
  }, 30_000)

  it('a module without a default function fails it', async () => {
    const out = await check(
      { credentialSubjectModule: './subject.mjs' },
      { 'subject.mjs': 'export const subject = () => ({})\n' },
    )
    expect(out).toMatch(/^✗ config +CONFIG_INVALID: route "kyc": .*must export a default function/m)
  }, 30_000)

  it('routes that compile pass the config line', async () => {
    const out = await check(
      { credentialSubjectModule: './subject.mjs' },
      { 'subject.mjs': 'export default (data) => ({ level: data.level })\n' },
    )
    expect(out).toMatch(/^✓ config +.*relay\.json: 1 route \(kyc\)$/m)
  }, 30_000)
})
