import { describe, expect, inject, it, vi } from 'vitest'
import { startBasicAuthProxy } from '../support/basic-auth-proxy.js'
import { kycAvroRoute, produceKycAvro } from '../support/kyc-avro.js'
import { startRelayFixture } from '../support/relay-fixture.js'
import { plainRegistryClient } from '../support/plain-registry-client.js'

describe('regression: the schema registry refuses the relay credentials while it decodes', () => {
  it('stops the partition and says why instead of failing the records; a relay with good credentials then issues them', async () => {
    // The failure: a 401/403 from the registry (a rotated API key) is systemic, yet the decoder's
    // SCHEMA_REGISTRY_REJECTED was published as each Avro record's credential.failed and its
    // offset committed, so every record read while the credentials were wrong was dead-lettered.
    const registryUrl = inject('schemaRegistryUrl')
    const proxy = await startBasicAuthProxy(registryUrl, 'api-key', 'api-secret')
    const fixture = await startRelayFixture({
      partitions: 1,
      config: {
        schemaRegistry: { url: proxy.url, username: 'api-key', password: 'api-secret' },
      },
    })
    // The upstream producer talks to the registry directly, with its own credentials.
    await produceKycAvro(fixture, plainRegistryClient(registryUrl), { count: 3 })
    const routes = [kycAvroRoute(fixture.topics.kyc)]

    const refused = await fixture.startRelay({
      config: { routes, schemaRegistry: { password: 'rotated-away' } },
    })
    await vi.waitFor(
      () => {
        const readiness = refused.relay.readiness()
        expect(readiness.ready).toBe(false)
        expect(readiness.reasons.join(' ')).toContain('SCHEMA_REGISTRY_REJECTED')
      },
      { timeout: 20_000, interval: 50 },
    )
    expect(proxy.counts.refused).toBeGreaterThan(0)
    // the stop is counted where operators alert: blocked, with the code
    expect(await refused.metrics.render()).toMatch(
      /^moca_relay_outcomes_total\{stage="issue",route="\(none\)",outcome="blocked",code="SCHEMA_REGISTRY_REJECTED"\} [1-9]/m,
    )
    await refused.stop()

    await fixture.startRelay({ config: { routes } })
    const outputs = await fixture.readOutputs((o) => o.onchain.length >= 3)
    expect(outputs.failed).toEqual([])
    expect(outputs.onchain).toHaveLength(3)
  })
})
