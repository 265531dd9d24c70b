import type { RelayError } from '../errors/relay-error.js'
import type { Logger } from '../ops/logger.js'
import { summarizeError } from './issue-call.js'

/**
 * At most one warning per call, route and code in this interval. An outage fails every record's
 * calls over and over (30 records made 429 failed calls in 45 s); one line per failure would bury
 * the log, none (they were debug lines) left the operator blind.
 */
export const FAILURE_WARNING_INTERVAL_MS = 30_000

/** Retryable MocaChain failures, told to the operator while the calls are retried. */
export interface MocaFailureWarnings {
  /** A call failed and will be retried (systemic failures are the circuit's to tell). */
  failed(call: 'issue' | 'status', route: string, err: RelayError): void
}

export interface MocaFailureWarningsDeps {
  /** The relay's logger: one line speaks for every partition, so it carries none of theirs. */
  readonly logger: Logger
  /** @default FAILURE_WARNING_INTERVAL_MS */
  readonly intervalMs?: number
  readonly now?: () => number
}

interface Tally {
  loggedAt: number
  /** Failures since the last line, not yet told. */
  unlogged: number
}

/**
 * Warns the first time a call of a route fails with a code, then at most once per interval with
 * how many calls failed that way since the line before. Cheap per failure: one map lookup and a
 * clock read; the message is summarised only when a line is written.
 */
export function createMocaFailureWarnings(deps: MocaFailureWarningsDeps): MocaFailureWarnings {
  const intervalMs = deps.intervalMs ?? FAILURE_WARNING_INTERVAL_MS
  const now = deps.now ?? Date.now
  const tallies = new Map<string, Tally>()
  return {
    failed(call, route, err) {
      const key = `${call}\u0000${route}\u0000${err.code}`
      const at = now()
      const tally = tallies.get(key)
      if (tally && at - tally.loggedAt < intervalMs) {
        tally.unlogged++
        return
      }
      tallies.set(key, { loggedAt: at, unlogged: 0 })
      // After a quiet interval a failure starts a new story rather than continuing the last one.
      const since = tally && tally.unlogged > 0 ? tally : null
      const failures = (since?.unlogged ?? 0) + 1
      deps.logger.warn(
        {
          call,
          route,
          err: summarizeError(err),
          failures,
          ...(since ? { sinceMs: at - since.loggedAt } : {}),
        },
        since
          ? `MocaChain ${call} calls still failing (${failures} since the last warning); retrying`
          : `MocaChain ${call} call failed; retrying (further failures like it are counted, one warning per ${Math.round(intervalMs / 1000)} s)`,
      )
    },
  }
}
