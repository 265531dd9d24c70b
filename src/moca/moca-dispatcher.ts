import type { Dispatcher } from 'undici'
import { IdleClientPool } from './idle-client-pool.js'
import type { CompiledMocaClientOptions } from './moca-client-options.js'

/**
 * The one connection pool all MocaChain calls share: keep-alive sockets to one origin, explicit
 * timeouts, no pipelining (a POST stuck behind another request would muddle what was sent).
 */
export function createMocaDispatcher(options: CompiledMocaClientOptions): Dispatcher {
  return new IdleClientPool(options.origin, {
    connections: options.connections,
    connect: { timeout: options.connectTimeoutMs },
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.bodyTimeoutMs,
    keepAliveTimeout: options.keepAliveTimeoutMs,
  })
}
