import type { FaultKind } from './sandbox-faults.js'

export interface EndpointStats {
  received: number
  /** Answers by HTTP status, e.g. `{ "200": 10, "401": 1 }`. */
  byHttpStatus: Record<string, number>
  resets: number
  hangs: number
  /** Calls that changed state (issue only). */
  applied: number
  faults: Partial<Record<FaultKind, number>>
  /** Calls being handled right now, and the most at once: how concurrent the client is. */
  inFlight: number
  maxInFlight: number
}

/** Exact counters since start or the last reset: `GET /_sandbox/stats`. */
export interface SandboxStats {
  issue: EndpointStats
  status: EndpointStats
  credentials: { issued: number; revoked: number }
  users: number
  auth: { verified: number; cacheHits: number; rejected: number }
  jwks: { fetches: number; failures: number }
  callLog: { total: number; retained: number; limit: number }
}

export function emptyEndpointStats(): EndpointStats {
  return {
    received: 0,
    byHttpStatus: {},
    resets: 0,
    hangs: 0,
    applied: 0,
    faults: {},
    inFlight: 0,
    maxInFlight: 0,
  }
}

/** The counters the server increments in place; `users` and `callLog` are filled at read time. */
export function emptyStats(): SandboxStats {
  return {
    issue: emptyEndpointStats(),
    status: emptyEndpointStats(),
    credentials: { issued: 0, revoked: 0 },
    users: 0,
    auth: { verified: 0, cacheHits: 0, rejected: 0 },
    jwks: { fetches: 0, failures: 0 },
    callLog: { total: 0, retained: 0, limit: 0 },
  }
}

/** Counts one call as in flight for `stats` while `handle` runs. */
export async function trackInFlight(
  stats: EndpointStats,
  handle: () => Promise<void>,
): Promise<void> {
  stats.inFlight += 1
  if (stats.inFlight > stats.maxInFlight) stats.maxInFlight = stats.inFlight
  try {
    await handle()
  } finally {
    stats.inFlight -= 1
  }
}
