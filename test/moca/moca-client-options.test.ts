import { describe, expect, it } from 'vitest'
import { MOCA_BASE_URLS } from '../../src/domain/moca-api.js'
import {
  compileMocaClientOptions,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_MAX_RETRY_AFTER_MS,
} from '../../src/moca/moca-client-options.js'

describe('compileMocaClientOptions', () => {
  it('resolves presets and splits the base URL once', () => {
    const options = compileMocaClientOptions({ baseUrl: 'production' })
    expect(options).toMatchObject({
      origin: 'https://mocachain-mainnet.api.air3.com',
      basePath: '/v1',
      baseUrl: MOCA_BASE_URLS.production,
      issuePath: '/v1/credentials/issue-on-behalf',
      statusPath: '/v1/credentials/status',
      headersTimeoutMs: DEFAULT_HEADERS_TIMEOUT_MS,
      maxRetryAfterMs: DEFAULT_MAX_RETRY_AFTER_MS,
      allowInsecureHttp: false,
    })
    expect(compileMocaClientOptions({ baseUrl: 'production-legacy' }).origin).toBe(
      'https://api.mocachain.org',
    )
    expect(compileMocaClientOptions({ baseUrl: 'sandbox' }).origin).toBe(
      'https://api.sandbox.mocachain.org',
    )
    expect(Object.isFrozen(options)).toBe(true)
  })

  it('takes any URL that ends with the API version; http on loopback is fine', () => {
    expect(compileMocaClientOptions({ baseUrl: 'http://127.0.0.1:8080/v1/' }).issuePath).toBe(
      '/v1/credentials/issue-on-behalf',
    )
    expect(compileMocaClientOptions({ baseUrl: 'https://gw.example.com/moca/v1' }).statusPath).toBe(
      '/moca/v1/credentials/status',
    )
  })

  it.each([
    ['a name that is neither a preset nor a URL', { baseUrl: 'staging' }, /neither a preset/],
    [
      'a URL without the API version',
      { baseUrl: 'https://api.mocachain.org' },
      /must end with the API version/,
    ],
    [
      'an endpoint instead of the root',
      { baseUrl: 'https://api.mocachain.org/v1/credentials/issue-on-behalf' },
      /names an endpoint/,
    ],
    ['plain http to another host', { baseUrl: 'http://moca.internal:8080/v1' }, /clear text/],
    ['a query string', { baseUrl: 'https://api.mocachain.org/v1?x=1' }, /query/],
    ['a zero timeout', { baseUrl: 'sandbox', headersTimeoutMs: 0 }, /headersTimeoutMs/],
    ['an unknown option', { baseUrl: 'sandbox', retries: 3 }, /retries/],
  ])('refuses %s with a readable CONFIG_INVALID', (_what, input, message) => {
    expect(() => compileMocaClientOptions(input as never)).toThrow(message)
    try {
      compileMocaClientOptions(input as never)
    } catch (err) {
      expect(err).toMatchObject({ code: 'CONFIG_INVALID' })
    }
  })

  it('allows http to another host only when asked to', () => {
    expect(
      compileMocaClientOptions({ baseUrl: 'http://sandbox:8080/v1', allowInsecureHttp: true })
        .origin,
    ).toBe('http://sandbox:8080')
  })
})
