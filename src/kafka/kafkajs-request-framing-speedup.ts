import { encoderOver, type KafkajsEncoded } from './kafkajs-encoder-speedup.js'
import { kafkajsOriginal, swapKafkajsModule } from './kafkajs-module-swap.js'

/**
 * kafkajs 2.2.4's request framing (`protocol/request.js`) with one copy of the request instead
 * of two, installed before kafkajs loads.
 *
 * kafkajs frames every request it sends (size, API key and version, correlation id, client id,
 * then the encoded request) by copying the encoded request into a growing Encoder, then that
 * Encoder into another behind the size: two buffers of the next power of two and two copies of
 * every Produce request, a few hundred KiB for a relay transaction. This measures the frame and
 * copies the request into it once. It writes the same bytes: test/kafka/kafkajs-produce-encoder-
 * speedup.test.ts frames its requests with it and compares them with an untouched kafkajs's.
 *
 * kafkajs's connection captures this module when it loads, so this must run before kafkajs loads:
 * every entry point imports kafka/kafkajs-patches.ts.
 */

interface FramedRequest {
  readonly correlationId: number
  readonly clientId: string | null | undefined
  readonly request: {
    readonly apiKey: number
    readonly apiVersion: number
    readonly encode: () => Promise<KafkajsEncoded> | KafkajsEncoded
  }
}
type FrameRequest = (framed: FramedRequest) => Promise<KafkajsEncoded>

const FRAMING_MODULE = 'kafkajs/src/protocol/request.js'

/** kafkajs's own framing, for the comparison test. */
export function originalFrameRequest(): FrameRequest {
  return kafkajsOriginal<FrameRequest>(FRAMING_MODULE)
}

export const frameRequest: FrameRequest = async ({ correlationId, clientId, request }) => {
  const { apiKey, apiVersion, encode } = request
  const payload = await encode()
  if (payload == null || !Buffer.isBuffer(payload.buf)) {
    throw new Error('value should be an instance of Encoder')
  }
  const bytes = payload.buffer // what kafkajs copies
  const clientIdBytes = clientId == null ? 0 : Buffer.byteLength(clientId, 'utf8')
  const size = 2 + 2 + 4 + 2 + clientIdBytes + bytes.length
  const buf = Buffer.allocUnsafe(4 + size)
  let at = buf.writeInt32BE(size, 0)
  at = buf.writeInt16BE(apiKey, at)
  at = buf.writeInt16BE(apiVersion, at)
  at = buf.writeInt32BE(correlationId, at)
  if (clientId == null) at = buf.writeInt16BE(-1, at)
  else at += buf.write(clientId, buf.writeInt16BE(clientIdBytes, at), clientIdBytes, 'utf8') + 2
  buf.set(bytes, at)
  return encoderOver(buf)
}

/** Installs the one-copy framing; a no-op when installed already. Throws if kafkajs loaded first. */
export function installRequestFramingSpeedup(): void {
  swapKafkajsModule<FrameRequest>({
    module: FRAMING_MODULE,
    patch: 'its request framing speed-up',
    // a function of its own: the swap marks it with the original
    replace: () => (framed) => frameRequest(framed),
  })
}

installRequestFramingSpeedup()
