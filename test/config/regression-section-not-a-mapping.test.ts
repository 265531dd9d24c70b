import { describe, expect, it } from 'vitest'
import { readEnv } from '../../src/config/env.js'
import { parseConfig } from '../../src/config/load-config.js'
import { configErrorOf } from '../support/config-error.js'
import { minimalConfig } from '../support/minimal-config.js'

/**
 * Was: `kafka: "kafka-prod.example.net:9092"` (a broker written where the section belongs) passed
 * validation, and `moca-relay check` answered "✓ Kafka 127.0.0.1:9092": the environment overrides
 * replaced every section that was not a mapping with an empty one, and the relay ran on the
 * defaults. `ops: 9465` did the same whenever MOCA_RELAY_OPS_PORT was set. Such a section is now
 * refused, naming it and what a section is.
 */
const configError = configErrorOf

describe('a section given as something other than a mapping', () => {
  it('kafka written as one broker is refused, not replaced by the defaults', () => {
    const message = configError({ ...minimalConfig, kafka: 'kafka-prod.example.net:9092' })
    expect(message).toContain('invalid configuration in relay.yaml')
    expect(message).toContain(
      '- kafka: is a string, but it is a section: a mapping of fields indented under it',
    )
  })

  it('is refused even when an environment variable sets a field of that section', () => {
    expect(configError({ ...minimalConfig, ops: 9465 }, { MOCA_RELAY_OPS_PORT: '9465' })).toContain(
      '- ops: is a number, but it is a section',
    )
    expect(configError({ ...minimalConfig, log: 'debug' }, { LOG_LEVEL: 'info' })).toContain(
      '- log: is a string, but it is a section',
    )
    expect(
      configError(
        { ...minimalConfig, schemaRegistry: 'http://registry.example.net' },
        { SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081' },
      ),
    ).toContain('- schemaRegistry: is a string, but it is a section')
    expect(
      configError({ ...minimalConfig, kafka: ['b1:9092'] }, { KAFKA_BROKERS: 'b2:9092' }),
    ).toContain('- kafka: is a list, but it is a section')
  })

  it('an empty key (every field commented out) says it has no value', () => {
    expect(configError({ ...minimalConfig, kafka: null })).toContain(
      '- kafka: has no value: indent its fields under it, or remove the line',
    )
  })

  it('an empty file says so', () => {
    expect(configError(null)).toContain(
      '(top level): the file is empty: a config needs at least moca and routes',
    )
  })

  it('a section the file leaves out is still created for its variable', () => {
    const { config } = parseConfig(minimalConfig, {
      env: readEnv({ KAFKA_BROKERS: 'b1:9092,b2:9092', MOCA_RELAY_OPS_PORT: '9465' }),
      configPath: 'relay.yaml',
    })
    expect(config.kafka.brokers).toEqual(['b1:9092', 'b2:9092'])
    expect(config.ops.port).toBe(9465)
  })
})
