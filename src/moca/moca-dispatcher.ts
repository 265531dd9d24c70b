import { Pool, type Dispatcher } from 'undici'
import { KEEP_ALIVE_HINT_MARGIN_MS } from './http1-connection.js'
import { IdleClientPool } from './idle-client-pool.js'
import type { CompiledMocaClientOptions } from './moca-client-options.js'

/**
 * The one connection pool all MocaChain calls share: keep-alive sockets to one origin, explicit
 * timeouts, no pipelining (a POST stuck behind another request would muddle what was sent).
 *
 * `httpClient: "undici"` puts undici's Pool there instead of the relay's own connections, with the
 * same limits: an idle connection lives `keepAliveTimeout`, or the server's keep-alive hint less
 * 2 s when that is shorter. Both fail with undici's errors, which classify-network-error.ts reads.
 */
export function createMocaDispatcher(options: CompiledMocaClientOptions): Dispatcher {
  const limits = {
    connections: options.connections,
    connect: { timeout: options.connectTimeoutMs },
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.bodyTimeoutMs,
    keepAliveTimeout: options.keepAliveTimeoutMs,
  }
  if (options.httpClient === 'relay') return new IdleClientPool(options.origin, limits)
  return new Pool(options.origin, {
    ...limits,
    pipelining: 1,
    keepAliveMaxTimeout: options.keepAliveTimeoutMs,
    keepAliveTimeoutThreshold: KEEP_ALIVE_HINT_MARGIN_MS,
  })
}
