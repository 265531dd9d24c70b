import { describe, expect, it, onTestFinished } from 'vitest'
import { makeTestCertificates } from '../support/test-certificates.js'
import { distinctUserEvents, startRelayFixture } from '../support/relay-fixture.js'
import { startTlsBroker } from '../support/tls-broker.js'

/** A broker of the test's own takes ~10 s to start; kafkajs gives up on a refused TLS in ~10 s. */
const TIMEOUT_MS = 180_000

describe('kafka.ssl', () => {
  it(
    'runs against brokers that require TLS and a client certificate (mTLS), with a private CA',
    async () => {
      const certs = await makeTestCertificates()
      onTestFinished(() => certs.remove())
      const { tlsAddress, broker } = await startTlsBroker(certs)
      onTestFinished(() => broker.remove())
      // The fixture's own producer and reader use the broker's plaintext listener; the relay
      // gets only the TLS one.
      const fixture = await startRelayFixture({ brokers: [broker.address], partitions: 2 })
      await fixture.produce(fixture.topics.kyc, distinctUserEvents(12))

      await expect(
        fixture.startRelay({
          config: {
            kafka: {
              brokers: [tlsAddress],
              ssl: { ca: certs.ca, cert: certs.strangerCert, key: certs.strangerKey },
            },
          },
        }),
      ).rejects.toMatchObject({
        code: 'KAFKA_UNAVAILABLE',
        message: expect.stringContaining(`cannot reach Kafka at ${tlsAddress}`),
      })

      await fixture.startRelay({
        config: {
          kafka: {
            brokers: [tlsAddress],
            ssl: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey },
          },
        },
      })
      const out = await fixture.readOutputs((e) => e.onchain.length >= 12)
      expect(out.onchain).toHaveLength(12)
      expect(out.failed).toHaveLength(0)
    },
    TIMEOUT_MS,
  )
})
