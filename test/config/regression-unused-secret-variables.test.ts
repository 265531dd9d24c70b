import { describe, expect, it } from 'vitest'
import { configErrorOf } from '../support/config-error.js'
import { minimalConfig } from '../support/minimal-config.js'
import { parseConfig } from '../../src/config/load-config.js'

/**
 * Was: with KAFKA_SASL_PASSWORD (or KAFKA_SASL_CLIENT_SECRET) set and no kafka.sasl in the file,
 * the variable was silently ignored and the relay connected to Kafka without SASL; `check` said
 * nothing of it. So was SCHEMA_REGISTRY_PASSWORD without a registry. Each is now refused, naming
 * the variable and the two ways out.
 */
describe('a secret in the environment for a section the config does not have', () => {
  it.each(['KAFKA_SASL_PASSWORD', 'KAFKA_SASL_CLIENT_SECRET'])('%s: refused, naming it', (name) => {
    expect(configErrorOf(minimalConfig, { [name]: 's3cret' })).toBe(
      'invalid configuration in the environment:\n' +
        `  - ${name}: set, but the config has no kafka.sasl, so the relay would connect to Kafka without SASL and never use it: add kafka.sasl (its mechanism, and the username or OAuth client) to the config, or unset ${name}`,
    )
  })

  it('SCHEMA_REGISTRY_PASSWORD with no schemaRegistry (nor SCHEMA_REGISTRY_URL): refused, naming it', () => {
    expect(configErrorOf(minimalConfig, { SCHEMA_REGISTRY_PASSWORD: 's3cret' })).toBe(
      'invalid configuration in the environment:\n' +
        '  - SCHEMA_REGISTRY_PASSWORD: set, but the config has no schemaRegistry, so no registry would ever get it: add schemaRegistry (its url and username, or SCHEMA_REGISTRY_URL) to the config, or unset SCHEMA_REGISTRY_PASSWORD',
    )
  })

  it('never quotes the secret', () => {
    expect(configErrorOf(minimalConfig, { KAFKA_SASL_PASSWORD: 's3cret' })).not.toContain('s3cret')
  })

  it('with kafka.sasl, the mechanism takes its secret and leaves the other', () => {
    const raw = {
      ...minimalConfig,
      kafka: { sasl: { mechanism: 'scram-sha-512', username: 'relay' } },
    }
    const { config } = parseConfig(raw, {
      env: { KAFKA_SASL_PASSWORD: 'pw', KAFKA_SASL_CLIENT_SECRET: 'unused' },
      configPath: 'relay.yaml',
    })
    expect(config.kafka.sasl).toMatchObject({ mechanism: 'scram-sha-512', password: 'pw' })
  })
})
