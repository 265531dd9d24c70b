import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDedicatedBroker, type DedicatedBroker } from '../../bench/chaos/dedicated-broker.js'
import { distinctUserEvents, startRelayFixture } from '../support/relay-fixture.js'

/**
 * Was: with its broker gone, the relay's consumers crashed ("consumer crashed", restart: true)
 * and kept trying to join again, while /readyz answered 200 {"ready":true,"reasons":[]} the whole
 * time: the stage counted as joined for good once it had joined. The README promises 200 only
 * when Kafka is reachable. This test stops a broker of its own under a running relay.
 */

/** The broker of the test's own takes ~10 s to start. */
const START_TIMEOUT_MS = 120_000

describe('/readyz while Kafka is down', () => {
  let broker: DedicatedBroker

  beforeAll(async () => {
    broker = await startDedicatedBroker(() => undefined)
  }, START_TIMEOUT_MS)

  afterAll(async () => {
    await broker?.remove()
  })

  it('is 503 naming the stage and the error from the consumer crash until it joins again', async () => {
    const fixture = await startRelayFixture({ brokers: [broker.address], partitions: 1 })
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(5))
    const relay = await fixture.startRelay()
    await fixture.readOutputs((e) => e.onchain.length >= 5)
    const readyz = async (): Promise<{ status: number; reasons: string[] }> => {
      const response = await fetch(`${relay.ops!.url}/readyz`)
      const body = (await response.json()) as { reasons: string[] }
      return { status: response.status, reasons: body.reasons }
    }
    await expect.poll(async () => (await readyz()).status, { timeout: 30_000 }).toBe(200)

    await broker.stop(5_000)
    await expect
      .poll(async () => (await readyz()).reasons.join('\n'), { timeout: 120_000, interval: 1_000 })
      .toMatch(
        /^issue stage lost its consumer group \(\S+ .+\); joining it again \(is Kafka reachable\?\)$/m,
      )
    expect((await readyz()).status).toBe(503)

    await broker.restart()
    await expect
      .poll(async () => (await readyz()).status, { timeout: 120_000, interval: 1_000 })
      .toBe(200)
  }, 300_000)
})
