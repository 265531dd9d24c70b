import { describe, expect, it } from 'vitest'
import { configErrorOf } from '../support/config-error.js'
import { minimalConfig } from '../support/minimal-config.js'

/**
 * Was: a value of the wrong type got zod's own wording ("Invalid input: expected string, received
 * number"), and `moca.baseUrl: 5` got "Invalid option: expected one of sandbox|production|
 * production-legacy", hiding that a URL is fine too. Each now says what the field takes, with the
 * YAML slip behind the usual case.
 */
describe('a config value of the wrong type, in words', () => {
  it.each([
    [
      'an unquoted number for text',
      { moca: { ...minimalConfig.moca, partnerId: 12345 } },
      'moca.partnerId: must be a string, not a number: put it in quotes (YAML reads 123 unquoted as a number)',
    ],
    [
      'one broker where a list belongs',
      { kafka: { brokers: 9092 } },
      'kafka.brokers: must be a list, not a number: write it as a list, [a, b] or one "- item" per line',
    ],
    [
      'a section’s field given true',
      { kafka: { ssl: { ca: true } } },
      'kafka.ssl.ca: must be a string, not a boolean: put it in quotes (YAML reads true unquoted as a boolean)',
    ],
    [
      'a choice outside the list',
      { output: { format: 'xml' } },
      'output.format: must be one of "json", "avro", "json-schema"',
    ],
    [
      'a MocaChain address that is not a string',
      { moca: { ...minimalConfig.moca, baseUrl: 5 } },
      'moca.baseUrl: must be sandbox, production, production-legacy, or a URL ending in /v1, as a string',
    ],
  ])('%s', (_case, section, line) => {
    expect(configErrorOf({ ...minimalConfig, ...section })).toBe(
      `invalid configuration in relay.yaml:\n  - ${line}`,
    )
  })
})
