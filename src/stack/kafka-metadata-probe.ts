import { createConnection } from 'node:net'
import type { HostPort } from './port-probe.js'

/**
 * Asks whatever listens on an address for Kafka metadata with one raw Metadata v1 request.
 * A raw request instead of kafkajs: the probe must tell "a Kafka broker", "nothing" and
 * "some other program" apart within a second, without kafkajs's retries and connection-error
 * logging, and it must work on a port where an HTTP server or a database answers.
 */

const METADATA_API_KEY = 3
// v1: a null topic array means "all topics", an empty one "none", so the answer holds only the
// brokers. Kafka 0.10 through 4.x serve v1 (KIP-896 removed nothing below v0 for Metadata).
const METADATA_VERSION = 1
const CLIENT_ID = 'moca-relay-stack-probe'
/** A Metadata answer without topics is a few hundred bytes; anything huge is not Kafka. */
const MAX_RESPONSE_BYTES = 1024 * 1024

export interface KafkaBrokerAddress {
  readonly nodeId: number
  readonly host: string
  readonly port: number
}

export type KafkaProbeResult =
  | { readonly kind: 'kafka'; readonly brokers: readonly KafkaBrokerAddress[] }
  | { readonly kind: 'closed' }
  | { readonly kind: 'other'; readonly detail: string }

export function probeKafka(address: HostPort, timeoutMs: number): Promise<KafkaProbeResult> {
  const correlationId = Math.floor(Math.random() * 0x7fffffff)
  return new Promise((resolve) => {
    let settled = false
    let connected = false
    let received = Buffer.alloc(0)
    const socket = createConnection({ host: address.host, port: address.port })
    const finish = (result: KafkaProbeResult): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      resolve(result)
    }
    const timer = setTimeout(
      () =>
        finish(
          connected
            ? { kind: 'other', detail: 'accepts connections but does not answer Kafka requests' }
            : { kind: 'closed' },
        ),
      timeoutMs,
    )
    socket.once('connect', () => {
      connected = true
      socket.write(encodeMetadataRequest(correlationId))
    })
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      if (received.length < 4) return
      const size = received.readInt32BE(0)
      if (size < 4 || size > MAX_RESPONSE_BYTES) {
        finish({ kind: 'other', detail: 'answers with something that is not a Kafka response' })
        return
      }
      if (received.length < 4 + size) return
      finish(decodeMetadataResponse(received.subarray(4, 4 + size), correlationId))
    })
    socket.once('error', () =>
      finish(connected ? { kind: 'other', detail: 'drops Kafka requests' } : { kind: 'closed' }),
    )
    socket.once('close', () =>
      finish(
        connected
          ? { kind: 'other', detail: 'closes the connection on a Kafka request' }
          : { kind: 'closed' },
      ),
    )
  })
}

function encodeMetadataRequest(correlationId: number): Buffer {
  const clientId = Buffer.from(CLIENT_ID, 'utf8')
  // header v1: api_key int16, api_version int16, correlation_id int32, client_id string
  // body v1: topics array (int32 count; 0 = no topics)
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4)
  let at = 0
  at = body.writeInt16BE(METADATA_API_KEY, at)
  at = body.writeInt16BE(METADATA_VERSION, at)
  at = body.writeInt32BE(correlationId, at)
  at = body.writeInt16BE(clientId.length, at)
  at += clientId.copy(body, at)
  body.writeInt32BE(0, at)
  const size = Buffer.alloc(4)
  size.writeInt32BE(body.length, 0)
  return Buffer.concat([size, body])
}

function decodeMetadataResponse(frame: Buffer, correlationId: number): KafkaProbeResult {
  const notKafka: KafkaProbeResult = {
    kind: 'other',
    detail: 'answers with something that is not a Kafka metadata response',
  }
  try {
    let at = 0
    if (frame.readInt32BE(at) !== correlationId) return notKafka
    at += 4
    const brokerCount = frame.readInt32BE(at)
    at += 4
    if (brokerCount < 0 || brokerCount > 10_000) return notKafka
    const brokers: KafkaBrokerAddress[] = []
    for (let i = 0; i < brokerCount; i++) {
      const nodeId = frame.readInt32BE(at)
      at += 4
      const hostLength = frame.readInt16BE(at)
      at += 2
      const host = frame.toString('utf8', at, at + hostLength)
      at += hostLength
      const port = frame.readInt32BE(at)
      at += 4
      const rackLength = frame.readInt16BE(at)
      at += 2 + Math.max(rackLength, 0)
      brokers.push({ nodeId, host, port })
    }
    return { kind: 'kafka', brokers }
  } catch {
    // RangeError from a read past the end: a short or garbled frame
    return notKafka
  }
}
