import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/load-config.js'
import { minimalConfig } from '../support/minimal-config.js'

/**
 * Was: with SCHEMA_REGISTRY_URL and SCHEMA_REGISTRY_PASSWORD set and no schemaRegistry section in
 * the file, the error read "invalid configuration in base.yaml: schemaRegistry:
 * schemaRegistry.username and schemaRegistry.password go together", blaming the file, which says
 * nothing of a registry. It now names the variable and the two ways out.
 */
const parse = (raw: unknown, env: Record<string, string>) =>
  parseConfig(raw, { env, configPath: 'base.yaml' })

describe('a registry password without a username', () => {
  it('from SCHEMA_REGISTRY_PASSWORD: names the variable, not the file', () => {
    expect(() =>
      parse(minimalConfig, {
        SCHEMA_REGISTRY_URL: 'http://registry:8081',
        SCHEMA_REGISTRY_PASSWORD: 'pw',
      }),
    ).toThrow(
      'invalid configuration in the environment:\n  - SCHEMA_REGISTRY_PASSWORD (schemaRegistry.password): a password without schemaRegistry.username: add schemaRegistry.username (Confluent Cloud: the API key), or remove the password (unset SCHEMA_REGISTRY_PASSWORD, or drop schemaRegistry.password)',
    )
  })

  it('in the file: names the field', () => {
    const raw = {
      ...minimalConfig,
      schemaRegistry: { url: 'http://registry:8081', password: 'pw' },
    }
    expect(() => parse(raw, {})).toThrow(
      'invalid configuration in base.yaml:\n  - schemaRegistry.password: a password without schemaRegistry.username',
    )
  })
})
