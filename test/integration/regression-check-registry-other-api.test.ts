import { describe, expect, inject, it } from 'vitest'
import { findFreePort } from '../support/free-port.js'
import { runCheck } from '../support/run-check.js'

/**
 * Was: `check` read any 404 whose body held a message as "the subject is not registered yet", so
 * a SCHEMA_REGISTRY_URL at Apicurio's own v2 API (which answers every Confluent path with 404 and
 * {"message": "RESTEASY003210: Could not find resource…"}) passed with a ✓, and the relay then
 * waited on the registry for every registry-encoded record. Only the registry's own "Subject
 * '<subject>' not found" means the subject is missing.
 */
async function registryLine(url: string): Promise<string> {
  const { out } = await runCheck({
    moca: {
      baseUrl: `http://127.0.0.1:${await findFreePort()}/v1`,
      partnerId: 'p1',
      key: { kid: 'p1', file: 'missing.pem' },
    },
    env: { SCHEMA_REGISTRY_URL: url },
  })
  return out.split('\n').find((l) => l.includes(' registry ')) ?? out
}

describe('regression: check with a registry URL that is not its Confluent API', () => {
  it('fails the registry line and names the API path', async () => {
    const origin = new URL(inject('schemaRegistryUrl')).origin
    const line = await registryLine(`${origin}/apis/registry/v2`)
    expect(line).toMatch(/^✗ registry +SCHEMA_REGISTRY_UNAVAILABLE: /)
    expect(line).toContain('/apis/ccompat/v7')
  })

  it('still passes the real Confluent API, where the subject is not registered yet', async () => {
    expect(await registryLine(inject('schemaRegistryUrl'))).toMatch(/^✓ registry +.*: answers/)
  })
})
