import { describe, expect, it } from 'vitest'
import { configErrorOf } from '../support/config-error.js'
import { minimalConfig } from '../support/minimal-config.js'

/**
 * Was: several config mistakes were reported in zod's own words, which name no fix:
 * `kafka.ssl: 'true'` as "Invalid input", a credentialSubject field `$level` as "Invalid key in
 * record", `topics.internalPrefix: 'bad prefix'` as a regex, and `moca.baseUrl: prod` with a
 * bare "Invalid URL" line before the line that explains it. Each now says what the field takes.
 */
const errorOf = (extra: Record<string, unknown>): string =>
  configErrorOf({ ...minimalConfig, ...extra })

describe('config errors say what the field takes, not zod’s words', () => {
  it("kafka.ssl: 'true' (quoted) is a string", () => {
    expect(errorOf({ kafka: { ssl: 'true' } })).toContain(
      '  - kafka.ssl: "true" is a string: must be true or false (unquoted), or { ca, cert, key }',
    )
    expect(errorOf({ kafka: { ssl: 1 } })).toContain(
      '  - kafka.ssl: must be true or false (unquoted), or { ca, cert, key }',
    )
  })

  it('a credentialSubject field named $level: the schema’s own rule', () => {
    const route = { ...minimalConfig.routes[0], credentialSubject: { $level: 'kyc.level' } }
    expect(errorOf({ routes: [route] })).toContain(
      '  - routes[0].credentialSubject.$level: field names cannot start with "$"',
    )
  })

  it('topics.internalPrefix with a space: in words, like a topic name', () => {
    expect(errorOf({ topics: { internalPrefix: 'bad prefix' } })).toContain(
      '  - topics.internalPrefix: a topic prefix is 1–100 characters of letters, digits, ".", "_" and "-"',
    )
  })

  it('moca.baseUrl: prod is one line, with or without other mistakes in moca', () => {
    const line =
      '  - moca.baseUrl: "prod" is neither a preset (sandbox, production, production-legacy) nor a URL'
    expect(errorOf({ moca: { ...minimalConfig.moca, baseUrl: 'prod' } })).toBe(
      `invalid configuration in relay.yaml:\n${line}`,
    )
    const { partnerId: _, ...withoutPartner } = minimalConfig.moca
    expect(errorOf({ moca: { ...withoutPartner, baseUrl: 'prod' } })).toContain(line)
  })
})
