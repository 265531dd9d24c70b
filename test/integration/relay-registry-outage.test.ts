import { connect, createServer, type Socket } from 'node:net'
import { describe, expect, inject, it, onTestFinished, vi } from 'vitest'
import { kycAvroRoute, produceKycAvro } from '../support/kyc-avro.js'
import { startRelayFixture } from '../support/relay-fixture.js'
import { plainRegistryClient } from '../support/plain-registry-client.js'

/**
 * A TCP proxy in front of the real registry that can be "down": it then accepts each connection
 * and drops it at once (and counts it), as a registry behind a restarting load balancer does.
 */
async function startRegistryProxy(target: URL) {
  let up = false
  let refused = 0
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    if (!up) {
      refused++
      client.destroy()
      return
    }
    const upstream = connect(Number(target.port), target.hostname)
    client.pipe(upstream).pipe(client)
    const close = (): void => {
      client.destroy()
      upstream.destroy()
    }
    client.on('error', close)
    upstream.on('error', close)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address !== 'object') throw new Error('no proxy port')
  onTestFinished(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => server.close(resolve))
  })
  return {
    url: `http://127.0.0.1:${address.port}${target.pathname}`,
    get refused() {
      return refused
    },
    setUp(value: boolean) {
      up = value
    },
  }
}

describe('the relay during a schema registry outage', () => {
  it('holds wire-format records until the registry answers, then issues them all: none fails', async () => {
    const registryUrl = inject('schemaRegistryUrl')
    const proxy = await startRegistryProxy(new URL(registryUrl))
    const fixture = await startRelayFixture({
      partitions: 2,
      config: { schemaRegistry: { url: proxy.url } },
    })
    // The upstream producer talks to the registry directly: only the relay sees the outage.
    const registry = plainRegistryClient(registryUrl)
    await produceKycAvro(fixture, registry, { count: 6 })
    await fixture.startRelay({ config: { routes: [kycAvroRoute(fixture.topics.kyc)] } })

    // The relay keeps asking (a first attempt and retries), and meanwhile nothing is decided.
    await vi.waitFor(() => expect(proxy.refused).toBeGreaterThanOrEqual(3), {
      timeout: 20_000,
      interval: 50,
    })
    expect(fixture.issueCalls()).toHaveLength(0)

    proxy.setUp(true)
    const outputs = await fixture.readOutputs((o) => o.onchain.length >= 6)
    expect(outputs.failed).toEqual([])
    expect(outputs.onchain).toHaveLength(6)
    expect(new Set(fixture.issueCalls().map((c) => c.idempotencyKey)).size).toBe(6)
  })
})
