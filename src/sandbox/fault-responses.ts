import type { IncomingMessage, ServerResponse } from 'node:http'
import { sendMocaError, sendText } from './http-io.js'
import {
  GATEWAY_502_HTML,
  GATEWAY_504_HTML,
  MocaMessages,
  UNAVAILABLE_503_TEXT,
} from './moca-messages.js'
import type { FaultKind } from './sandbox-faults.js'
import type { EndpointStats } from './sandbox-stats.js'

/** Faults decided on arrival: the call never reaches MocaChain's logic, nothing is applied. */
export function isBeforeWork(kind: FaultKind): boolean {
  return !kind.startsWith('applyThen')
}

/**
 * Carries out a fault on the wire and counts it. Returns the HTTP status answered, or null for a
 * reset (socket destroyed) or a hang (no answer at all; the client's timeout has to fire).
 */
export function answerFault(
  req: IncomingMessage,
  res: ServerResponse,
  kind: FaultKind,
  retryAfterSeconds: number,
  stats: EndpointStats,
): number | null {
  stats.faults[kind] = (stats.faults[kind] ?? 0) + 1
  switch (kind) {
    case 'http500':
    case 'applyThen500':
      return count(stats, 500, () => sendMocaError(res, 500, MocaMessages.serverFailure))
    case 'http502':
      return count(stats, 502, () => sendText(res, 502, 'text/html', GATEWAY_502_HTML))
    case 'http503':
      return count(stats, 503, () =>
        sendText(res, 503, 'text/plain', UNAVAILABLE_503_TEXT, {
          'retry-after': String(retryAfterSeconds),
        }),
      )
    case 'http504':
      return count(stats, 504, () => sendText(res, 504, 'text/html', GATEWAY_504_HTML))
    case 'http408':
      return count(stats, 408, () =>
        sendMocaError(res, 408, MocaMessages.requestTimeout, { headers: { connection: 'close' } }),
      )
    case 'http429':
      return count(stats, 429, () =>
        sendMocaError(res, 429, MocaMessages.tooManyRequests, {
          headers: { 'retry-after': String(retryAfterSeconds) },
        }),
      )
    case 'reset':
    case 'applyThenReset':
      stats.resets += 1
      req.socket.destroy()
      return null
    case 'hang':
    case 'applyThenHang':
      stats.hangs += 1
      return null
  }
}

export function countAnswer(stats: EndpointStats, status: number): void {
  stats.byHttpStatus[status] = (stats.byHttpStatus[status] ?? 0) + 1
}

function count(stats: EndpointStats, status: number, send: () => void): number {
  send()
  countAnswer(stats, status)
  return status
}
