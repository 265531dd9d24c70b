import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { generatePartnerKey } from '../../src/auth/generate-partner-key.js'
import { loadSigningKey } from '../../src/auth/load-signing-key.js'
import { createPartnerTokenSigner } from '../../src/auth/partner-token-signer.js'
import { PRIVATE_JWK_MEMBERS } from '../../src/auth/private-jwk-members.js'
import { captureLogs } from '../support/capture-logs.js'
import { scanForSecrets } from '../support/secret-scan.js'

const generated = await generatePartnerKey()
const key = await loadSigningKey({ source: { kind: 'text', text: generated.privateKeyPem } })
const { token } = await createPartnerTokenSigner({ key, partnerId: 'p' }).sign('a@example.com')
const pem = generated.privateKeyPem
const ecJwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
  format: 'jwk',
}) as Record<string, string>
const rsaJwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
  format: 'jwk',
}) as Record<string, string>

/** The values of a JWK's private members: what a leak of that key would show. */
const privateValues = (jwk: Record<string, string>): string[] =>
  PRIVATE_JWK_MEMBERS.flatMap((member) => (member in jwk ? [jwk[member]!] : []))

describe('createLogger: secrets carried by accident never reach a log line', () => {
  it.each([
    ['the x-partner-auth header of a req', { req: { headers: { 'x-partner-auth': token } } }],
    [
      'the x-partner-auth header of a request',
      { request: { headers: { 'x-partner-auth': token } } },
    ],
    ['an x-partner-auth header on its own', { headers: { 'x-partner-auth': token } }],
    ['a token field', { token }],
    ['a token field one level down', { call: { token } }],
    ['a jwt field', { jwt: token }],
    ['a jwt field one level down', { call: { jwt: token } }],
    ['a private key PEM', { privateKey: pem }],
    ['a private key PEM one level down', { signer: { privateKey: pem } }],
  ])('%s', (_what, fields) => {
    const { logger, lines } = captureLogs()
    logger.info({ ...fields, topic: 'kyc' }, 'calling MocaChain')
    // The line is written, with its other fields: only the secret is gone.
    expect(lines).toEqual([expect.objectContaining({ msg: 'calling MocaChain', topic: 'kyc' })])
    expect(JSON.stringify(lines)).toContain('[redacted]')
    expect(scanForSecrets(JSON.stringify(lines), { privateKeyPem: pem, emails: [] })).toEqual([])
  })

  it.each([
    ['a private EC JWK under key', { key: ecJwk }, ecJwk],
    ['a private EC JWK under jwk', { jwk: ecJwk }, ecJwk],
    ['a private RSA JWK as the log object itself', rsaJwk, rsaJwk],
  ])('%s', (_what, fields, jwk) => {
    const { logger, lines } = captureLogs()
    logger.info(fields, 'loaded the partner key')
    expect(lines).toEqual([expect.objectContaining({ msg: 'loaded the partner key' })])
    const text = JSON.stringify(lines)
    // The public members stay, so the line still says which key it was.
    expect(text).toContain(jwk.n ?? jwk.x)
    expect(privateValues(jwk).filter((value) => text.includes(value))).toEqual([])
  })
})

describe('createLogger: secrets nested deeper than one level never reach a log line', () => {
  const secret = 'PRIVATE-PEM-NESTED'
  it.each([
    ['a private key in err.cause', { err: { message: 'x', cause: { privateKey: secret } } }],
    [
      'a JWK d in the config attached to a real Error',
      {
        err: Object.assign(new Error('x'), { config: { moca: { key: { kid: 'k1', d: secret } } } }),
      },
    ],
    ['a JWK d in err.config.moca.key', { err: { config: { moca: { key: { d: secret } } } } }],
    [
      'every private JWK member under a nested key',
      {
        err: {
          config: {
            moca: { key: { d: secret, p: secret, q: secret, dp: secret, dq: secret, qi: secret } },
          },
        },
      },
    ],
    ['a SASL password in a config dump', { config: { kafka: { sasl: { password: secret } } } }],
    ['a registry password in a config dump', { config: { schemaRegistry: { password: secret } } }],
    ['an OAuth client secret', { sasl: { clientSecret: secret } }],
    [
      'an OAuth client secret in a config dump',
      { config: { kafka: { sasl: { clientSecret: secret } } } },
    ],
    ['a password on its own', { password: secret }],
    ['a token three levels down', { a: { b: { c: { token: secret } } } }],
    ['a jwt three levels down', { a: { b: { c: { jwt: secret } } } }],
    [
      'an authorization header of a nested request',
      { err: { request: { headers: { authorization: secret, 'x-partner-auth': secret } } } },
    ],
    ['a private key in an array', { attempts: [{ signer: { privateKey: secret } }] }],
  ])('%s', (_what, fields) => {
    const { logger, lines } = captureLogs()
    logger.error({ ...fields, topic: 'kyc' }, 'boom')
    expect(lines).toEqual([expect.objectContaining({ msg: 'boom', topic: 'kyc' })])
    const text = JSON.stringify(lines)
    expect(text).toContain('[redacted]')
    expect(text).not.toContain(secret)
  })

  it('keeps an error an error: type, message, stack and its other fields', () => {
    const { logger, lines } = captureLogs()
    const err = Object.assign(new Error('outer', { cause: new Error('inner') }), {
      code: 'E_X',
      config: { kafka: { sasl: { username: 'u', password: 'PRIVATE-PEM-NESTED' } } },
    })
    logger.error({ err }, 'boom')
    expect(JSON.stringify(lines)).not.toContain('PRIVATE-PEM-NESTED')
    expect(lines[0]!.err).toMatchObject({
      type: 'Error',
      message: 'outer: inner',
      stack: expect.stringContaining('outer'),
      code: 'E_X',
      config: { kafka: { sasl: { username: 'u', password: '[redacted]' } } },
    })
    expect(err.config.kafka.sasl.password).toBe('PRIVATE-PEM-NESTED') // the caller's object is untouched
  })

  it('survives a cycle and leaves a line without secrets as it was', () => {
    const { logger, lines } = captureLogs()
    const loop: Record<string, unknown> = { name: 'loop' }
    loop.self = loop
    const plain = { topic: 'kyc', offset: '7', nested: { partition: 2 } }
    logger.info({ loop, plain }, 'ok')
    expect(lines).toEqual([expect.objectContaining({ msg: 'ok', plain })])
  })
})

describe('createLogger: secrets bound into a child logger never reach a log line', () => {
  // Regression: child-logger bindings skipped the redactSecrets formatter, so a secret bound with
  // logger.child({...}) was censored only where a fixed redact path happened to reach it.
  it.each([
    ['an access token', { accessToken: token }],
    ['a token three levels down', { call: { auth: { grant: { token } } } }],
    ['a private key PEM two levels down', { signer: { options: { privateKey: pem } } }],
    [
      'an authorization header of a bound request',
      { request: { headers: { authorization: `Bearer ${token}` } } },
    ],
    ['a private RSA JWK under jwk', { jwk: rsaJwk }],
  ])('%s', (_what, bindings) => {
    const { logger, lines } = captureLogs()
    logger.child({ ...bindings, topic: 'kyc' }).info({ offset: '7' }, 'calling MocaChain')
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'calling MocaChain', topic: 'kyc', offset: '7' }),
    ])
    const text = JSON.stringify(lines)
    expect(text).toContain('[redacted]')
    expect(scanForSecrets(text, { privateKeyPem: pem, emails: [] })).toEqual([])
    expect(privateValues(rsaJwk).filter((value) => text.includes(value))).toEqual([])
  })

  it('censors a grandchild binding and leaves the bindings without secrets as they were', () => {
    const { logger, lines } = captureLogs()
    logger
      .child({ component: 'moca-client', plain: { partition: 2 } })
      .child({ call: { headers: { 'x-partner-auth': token } } })
      .info('calling MocaChain')
    expect(lines).toEqual([
      expect.objectContaining({
        component: 'moca-client',
        plain: { partition: 2 },
        call: { headers: { 'x-partner-auth': '[redacted]' } },
      }),
    ])
  })
})
