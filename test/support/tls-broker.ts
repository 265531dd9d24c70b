import { startDedicatedBroker, type DedicatedBroker } from '../../bench/chaos/dedicated-broker.js'
import { findFreePort } from '../../bench/support/free-port.js'
import type { TestCertificates } from './test-certificates.js'

export interface TlsBroker {
  /** `127.0.0.1:<port>` of the listener that requires TLS and a client certificate. */
  readonly tlsAddress: string
  readonly broker: DedicatedBroker
}

/**
 * A broker of the test's own (the local stack's, on free ports) with one more listener: TLS with
 * the test CA's server certificate, and a client certificate from that CA required (mTLS, as
 * Aiven and many self-hosted clusters run). Its plaintext listener stays for the readiness probe.
 */
export async function startTlsBroker(certs: TestCertificates): Promise<TlsBroker> {
  const tlsPort = await findFreePort()
  const broker = await startDedicatedBroker(() => undefined, {
    extraProperties: ({ kafkaPort, controllerPort }) =>
      [
        `listeners=PLAINTEXT://127.0.0.1:${kafkaPort},CONTROLLER://127.0.0.1:${controllerPort},SSL://127.0.0.1:${tlsPort}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${kafkaPort},SSL://127.0.0.1:${tlsPort}`,
        'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL',
        'ssl.keystore.type=PEM',
        `ssl.keystore.location=${certs.serverKeystore}`,
        'ssl.truststore.type=PEM',
        `ssl.truststore.location=${certs.ca}`,
        'ssl.client.auth=required',
      ].join('\n'),
  })
  return { tlsAddress: `127.0.0.1:${tlsPort}`, broker }
}
