import { describe, expect, it } from 'vitest'
import { runCheck } from '../support/run-check.js'

/**
 * Was: a moca.baseUrl (or MOCA_BASE_URL) without the API version, or with user:password, passed
 * config loading: `check` printed "✓ config" and then, with no MocaChain line, a bare
 * "moca-relay: MocaChain client options: baseUrl … must end with the API version…
 * [CONFIG_INVALID]" naming neither the field nor the variable; `run` failed the same way after
 * validation. The config schema now applies the client's rules, so the config line names them.
 */
const moca = { partnerId: 'partner-1', key: { kid: 'k1', file: 'key.pem' } }

describe('a MocaChain base URL the client cannot use', () => {
  it('without the API version, in the file: the config line names moca.baseUrl', async () => {
    const { code, out } = await runCheck({
      moca: { ...moca, baseUrl: 'http://127.0.0.1:8080' },
    })
    expect(code).toBe(1)
    expect(out).toContain('✗ config        CONFIG_INVALID: invalid configuration in ')
    expect(out).toContain(
      '  - moca.baseUrl: http://127.0.0.1:8080/ must end with the API version, e.g. http://127.0.0.1:8080/v1',
    )
    expect(out).not.toContain('MocaChain client options')
  })

  it('from MOCA_BASE_URL: the config line names the variable', async () => {
    const { code, out } = await runCheck({
      moca,
      env: { MOCA_BASE_URL: 'https://api.example.org' },
    })
    expect(code).toBe(1)
    expect(out).toContain(
      '✗ config        CONFIG_INVALID: invalid configuration in the environment:\n  - MOCA_BASE_URL (moca.baseUrl): https://api.example.org/ must end with the API version, e.g. https://api.example.org/v1',
    )
  })

  it('with user:password: refused without printing them', async () => {
    const { code, out } = await runCheck({
      moca,
      env: { MOCA_BASE_URL: 'https://user:s3cret@api.example.org/v1' },
    })
    expect(code).toBe(1)
    expect(out).toContain(
      '  - MOCA_BASE_URL (moca.baseUrl): must not carry credentials (user:password@), a query or a fragment',
    )
    expect(out).not.toContain('s3cret')
  })

  it('plain http to another host without allowInsecureHttp: names moca.allowInsecureHttp', async () => {
    const { code, out } = await runCheck({
      moca: { ...moca, baseUrl: 'http://sandbox.internal:8080/v1' },
    })
    expect(code).toBe(1)
    expect(out).toContain(
      '  - moca.baseUrl: http://sandbox.internal:8080/v1 is plain http to a non-loopback host: partner JWTs would travel in clear text. Use https, or set moca.allowInsecureHttp for a private sandbox',
    )
  })
})
