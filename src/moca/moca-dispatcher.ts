import { Pool, type Dispatcher } from 'undici'
import type { CompiledMocaClientOptions } from './moca-client-options.js'

/**
 * The one undici Pool all MocaChain calls share: keep-alive sockets to one origin, explicit
 * timeouts, no pipelining (a POST stuck behind another request would muddle what was sent).
 */
export function createMocaDispatcher(options: CompiledMocaClientOptions): Dispatcher {
  return new Pool(options.origin, {
    connections: options.connections,
    pipelining: 1,
    connect: { timeout: options.connectTimeoutMs },
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.bodyTimeoutMs,
    keepAliveTimeout: options.keepAliveTimeoutMs,
  })
}
