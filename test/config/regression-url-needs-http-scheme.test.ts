import { describe, expect, it } from 'vitest'
import { parseConfig, readEnvOrFail } from '../../src/config/load-config.js'
import { minimalConfig } from '../support/minimal-config.js'

/**
 * Was: `schemaRegistry.url: localhost:8081` (or SCHEMA_REGISTRY_URL=localhost:8081) passed
 * validation, z.url() reading "localhost:" as the scheme, and failed later as "unreachable …
 * Protocol "localhost:" not supported"; `kafka.sasl.tokenEndpoint: idp.example.com/token` was
 * refused with a bare "Invalid URL". Both now say the URL needs http:// or https://, with an
 * example.
 */
const parse = (extra: Record<string, unknown>, env = {}) =>
  parseConfig({ ...minimalConfig, ...extra }, { env, configPath: 'relay.yaml' })

const oauth = { mechanism: 'oauthbearer', clientId: 'relay', clientSecret: 's' }

describe('a URL without an http(s) scheme is refused at config, with an example', () => {
  it('schemaRegistry.url: localhost:8081', () => {
    expect(() => parse({ schemaRegistry: { url: 'localhost:8081' } })).toThrow(
      '  - schemaRegistry.url: "localhost:8081" has no http:// or https:// scheme; e.g. http://localhost:8081',
    )
  })

  it('SCHEMA_REGISTRY_URL=localhost:8081, naming the variable', () => {
    expect(() => readEnvOrFail({ SCHEMA_REGISTRY_URL: 'localhost:8081' })).toThrow(
      'invalid configuration in the environment:\n  - SCHEMA_REGISTRY_URL: "localhost:8081" has no http:// or https:// scheme; e.g. http://localhost:8081',
    )
  })

  it('kafka.sasl.tokenEndpoint: idp.example.com/token', () => {
    expect(() =>
      parse({ kafka: { sasl: { ...oauth, tokenEndpoint: 'idp.example.com/token' } } }),
    ).toThrow(
      '  - kafka.sasl.tokenEndpoint: "idp.example.com/token" has no http:// or https:// scheme; e.g. https://idp.example.com/token',
    )
  })

  it('another scheme, or no URL at all, says what an http(s) URL looks like', () => {
    expect(() => parse({ schemaRegistry: { url: 'ftp://registry:8081' } })).toThrow(
      'schemaRegistry.url: "ftp://registry:8081" is not an http:// or https:// URL; e.g. http://localhost:8081',
    )
    expect(() =>
      parse({ kafka: { sasl: { ...oauth, tokenEndpoint: 'https://idp example/token' } } }),
    ).toThrow(
      'kafka.sasl.tokenEndpoint: "https://idp example/token" is not a valid URL; e.g. https://idp.example.com/oauth2/token',
    )
  })

  it('never quotes the credentials a registry URL may carry', () => {
    const error = (() => {
      try {
        parse({ schemaRegistry: { url: 'key:s3cret@registry:8081' } })
      } catch (err) {
        return err as Error
      }
      return new Error('parsed')
    })()
    expect(error.message).toContain('"***@registry:8081" has no http:// or https:// scheme')
    expect(error.message).not.toContain('s3cret')
  })

  it('still takes http and https URLs', () => {
    const { config } = parse({
      schemaRegistry: { url: 'https://key:secret@registry.example.com' },
      kafka: { sasl: { ...oauth, tokenEndpoint: 'http://127.0.0.1:8080/token' } },
    })
    expect(config.schemaRegistry?.url).toBe('https://key:secret@registry.example.com')
  })
})
