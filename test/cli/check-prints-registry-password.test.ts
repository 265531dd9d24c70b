import { describe, expect, it } from 'vitest'
import { findFreePort } from '../support/free-port.js'
import { startFreshRegistry } from '../support/fresh-registry.js'
import { runCheck } from '../support/run-check.js'

/**
 * A registry URL with its credentials in it (https://<key>:<secret>@psrc-….confluent.cloud, which
 * the registry client honours as HTTP Basic) is printed verbatim by `moca-relay check`: the
 * registry line quotes config.schemaRegistry.url on success (check-command.ts checkRegistry) and
 * the request URL on failure (the client's error message), so the secret lands on stdout, in CI
 * logs and in pasted support tickets. The README promises secrets stay secret.
 */
const SECRET = 'S3cretRegistryPass'

describe('moca-relay check with credentials in SCHEMA_REGISTRY_URL', () => {
  async function check(registryUrl: string): Promise<string> {
    const { out } = await runCheck({
      moca: {
        baseUrl: `http://127.0.0.1:${await findFreePort()}/v1`,
        partnerId: 'p1',
        key: { kid: 'p1', file: 'missing.pem' },
      },
      env: { SCHEMA_REGISTRY_URL: registryUrl },
    })
    return out
  }

  it('keeps the password out of a passing registry line', async () => {
    const port = await startFreshRegistry()

    const out = await check(`http://apikey:${SECRET}@127.0.0.1:${port}`)
    expect(out).toMatch(/^✓ registry/m)
    expect(out).not.toContain(SECRET)
  }, 30_000)

  it('keeps the password out of a failing registry line', async () => {
    const out = await check(`http://apikey:${SECRET}@127.0.0.1:${await findFreePort()}`)
    expect(out).toMatch(/^✗ registry/m)
    // Not asked again for each input topic's schema: it does not answer.
    expect(out).toMatch(/^– input schema +not checked: the registry check failed$/m)
    expect(out).not.toContain(SECRET)
  }, 30_000)
})
