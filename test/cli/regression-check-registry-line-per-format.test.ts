import { describe, expect, it } from 'vitest'
import { findFreePort } from '../support/free-port.js'
import { startFreshRegistry } from '../support/fresh-registry.js'
import { runCheck } from '../support/run-check.js'

/**
 * Was: `check` printed "<topic>-value is not registered yet (the relay registers it)" whatever
 * output.format said, though with the default (json) the relay never registers a schema: a
 * newcomer waited for a subject that would never appear. The line now says what is true for the
 * format.
 */
async function registryLine(output?: Record<string, unknown>): Promise<string> {
  const url = `http://127.0.0.1:${await startFreshRegistry()}`
  const { out } = await runCheck({
    moca: {
      baseUrl: `http://127.0.0.1:${await findFreePort()}/v1`,
      partnerId: 'p1',
      key: { kid: 'p1', file: 'missing.pem' },
    },
    ...(output ? { output } : {}),
    env: { SCHEMA_REGISTRY_URL: url },
  })
  const line = out.split('\n').find((l) => l.includes(' registry '))
  return (line ?? out).replace(url, '<url>')
}

describe('check on a fresh registry', () => {
  it('with output.format json (the default): says the relay registers nothing', async () => {
    expect(await registryLine()).toBe(
      '✓ registry      <url>: answers (it decodes registry-encoded input; output.format json registers no schema)',
    )
  }, 30_000)

  it.each(['avro', 'json-schema'])(
    'with output.format %s: says the relay registers the subject at start-up',
    async (format) => {
      expect(await registryLine({ format })).toBe(
        `✓ registry      <url>: answers; credential.issued-value is not registered yet (the relay registers its ${format} schema at start-up)`,
      )
    },
    30_000,
  )
})
