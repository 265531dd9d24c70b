import { describe, expect, it } from 'vitest'
import { generatePartnerKey } from '../../src/auth/generate-partner-key.js'
import { findFreePort } from '../support/free-port.js'
import { runCheck } from '../support/run-check.js'

/**
 * During a key rotation (README "Key rotation": the old key goes to moca.previousKeys), a
 * previousKeys file that cannot be read stops `moca-relay run` at start-up (compose-relay.ts
 * loads each one with loadPublishedKey), yet `moca-relay check` says "✓ partner key": its key
 * step (check-command.ts) loads moca.key only and never looks at moca.previousKeys, so the
 * preflight passes a configuration the relay refuses.
 */
describe('moca-relay check with moca.previousKeys', () => {
  /** A check of a config signing with key-2 and publishing `previousKeys`; returns stdout. */
  async function check(
    previousKeys: readonly { kid: string; file: string }[],
    files: Record<string, string> = {},
  ): Promise<string> {
    const key = await generatePartnerKey({ kid: 'key-2' })
    const { out } = await runCheck({
      moca: {
        baseUrl: `http://127.0.0.1:${await findFreePort()}/v1`,
        partnerId: 'p1',
        key: { kid: 'key-2', file: 'partner.pem' },
        previousKeys,
      },
      files: { 'partner.pem': key.privateKeyPem, ...files },
    })
    return out
  }

  it('reports an unreadable previous key as a failed check', async () => {
    const stdout = await check([{ kid: 'key-1', file: 'keys-old/partner-public-key.pem' }])

    const failed = stdout.split('\n').filter((l) => l.startsWith('✗'))
    expect(
      failed.some((l) => l.includes('partner-public-key.pem') || l.includes('key-1')),
      stdout,
    ).toBe(true)
    // the signing key loaded, so MocaChain is still asked about it
    expect(stdout).not.toContain('not checked: no partner key')
  }, 30_000)

  it('lists the previous kids on a passing key line', async () => {
    const old = await generatePartnerKey({ kid: 'key-1' })
    const stdout = await check([{ kid: 'key-1', file: 'old.pem' }], {
      'old.pem': old.privateKeyPem,
    })

    expect(stdout).toMatch(/^✓ partner key +ES256, kid key-2; previous kids published: key-1$/m)
  }, 30_000)

  it("refuses a previous key with the signing key's kid, as the relay's JWKS does", async () => {
    const old = await generatePartnerKey({ kid: 'key-2' })
    const stdout = await check([{ kid: 'key-2', file: 'old.pem' }], {
      'old.pem': old.privateKeyPem,
    })

    expect(stdout).toMatch(/^✗ partner key +KEY_INVALID: Two JWKS entries share the kid "key-2"/m)
  }, 30_000)
})
