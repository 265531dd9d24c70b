import { createPrivateKey } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { generatePartnerKey } from '../../src/auth/generate-partner-key.js'
import { loadSigningKey } from '../../src/auth/load-signing-key.js'
import { createPartnerTokenSigner } from '../../src/auth/partner-token-signer.js'
import { maskEmail } from '../../src/domain/mask-email.js'
import { scanForSecrets } from './secret-scan.js'

// The security e2e test trusts an empty report: this proves the scanner finds each kind of leak.
describe('the secret scanner of the security checks', () => {
  it('finds a partner JWT, the key PEM body and its lines, the JWK d and clear emails; not masked ones', async () => {
    const generated = await generatePartnerKey({ alg: 'RS256' })
    const key = await loadSigningKey({ source: { kind: 'text', text: generated.privateKeyPem } })
    const { token } = await createPartnerTokenSigner({ key, partnerId: 'p' }).sign(
      'Jane@Example.com',
    )
    const secrets = { privateKeyPem: generated.privateKeyPem, emails: ['jane@example.com'] }
    const body = generated.privateKeyPem.split('\n').filter((l) => l && !l.startsWith('-----'))
    const d = createPrivateKey(generated.privateKeyPem).export({ format: 'jwk' }).d!

    const clean = `{"level":"info","emailMasked":"${maskEmail('jane@example.com')}","msg":"issued"}`
    expect(scanForSecrets(clean, secrets)).toEqual([])
    const found = (text: string) =>
      scanForSecrets(`${clean}\n${text}\n`, secrets).map((f) => f.what)
    expect(found(`{"headers":{"x-partner-auth":"${token}"}}`)).toEqual(['JWT'])
    expect(found(`err: ${body[1]}`)).toEqual(['private key PEM line 2'])
    expect(found(body.join(''))).toEqual(expect.arrayContaining(['private key PEM body']))
    // d is part of the PEM's DER: its text may also contain a whole PEM line.
    expect(found(`{"d":"${d}"}`)).toEqual(expect.arrayContaining(['private JWK d']))
    expect(found('to JANE@example.com')).toEqual(['email jane@example.com in clear'])
  })
})
