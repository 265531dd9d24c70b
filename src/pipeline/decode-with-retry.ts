import type { DomainEvent } from '../domain/domain-event.js'
import type { RetryPolicy } from '../domain/retry-policy.js'
import { isProgrammerError, isRelayError, RelayError } from '../errors/relay-error.js'
import type { InputRecord } from '../kafka/input-record.js'
import type { Logger } from '../ops/logger.js'
import { summarizeError } from './issue-call.js'
import type { EventDecoder } from './ports.js'
import { runWithRetry, type AttemptResult } from './retry-engine.js'

export interface DecodeDeps {
  readonly decoder: EventDecoder
  /** Paces the waits while the registry is unavailable; its deadline is ignored. */
  readonly retryPolicy: RetryPolicy
  readonly now: () => number
}

export interface DecodeContext {
  /** Ends the wait for the registry; a stopping partition decodes nothing more. */
  readonly stopping: AbortSignal
  readonly logger: Logger
}

/**
 * Decodes one input record as a real run does; the issue stage and the dry run both call this, so
 * a dry run counts what a real run would. A registry outage blocks the partition (decoding is in
 * order) until the registry answers: no record is failed for it. Bad bytes are the record's
 * failure, as a terminal RelayError (INPUT_UNDECODABLE when the decoder threw something else).
 * Null: the partition stopped first. Programmer errors are thrown, never retried.
 *
 * The first attempt runs outside the retry engine: nearly every record decodes at once, and the
 * replay of a deduplicated topic spends a good part of its time here.
 */
export async function decodeWithRetry(
  deps: DecodeDeps,
  ctx: DecodeContext,
  record: InputRecord,
): Promise<DomainEvent | RelayError | null> {
  // As the retry engine does before any attempt: a stopping partition admits nothing more.
  if (ctx.stopping.aborted) return null
  const first = await decodeOnce(deps, ctx, record)
  if (first.kind === 'done') return first.value
  const outcome = await runWithRetry<DomainEvent | RelayError>(
    {
      policy: { ...deps.retryPolicy, deadlineMs: Number.POSITIVE_INFINITY },
      startedAt: deps.now(),
      firstDelayMs: deps.retryPolicy.initialDelayMs,
      signal: ctx.stopping,
    },
    () => decodeOnce(deps, ctx, record),
  )
  return outcome.kind === 'done' ? outcome.value : null
}

async function decodeOnce(
  deps: DecodeDeps,
  ctx: DecodeContext,
  record: InputRecord,
): Promise<AttemptResult<DomainEvent | RelayError>> {
  try {
    return { kind: 'done', value: await deps.decoder.decode(record) }
  } catch (err) {
    if (isRelayError(err) && err.classification === 'retryable') {
      ctx.logger.warn(
        { err: summarizeError(err), offset: record.offset },
        'decoding needs the schema registry, which is unavailable; retrying',
      )
      return { kind: 'again', last: err }
    }
    if (isRelayError(err)) return { kind: 'done', value: err }
    if (isProgrammerError(err)) throw err
    return {
      kind: 'done',
      value: new RelayError(
        'INPUT_UNDECODABLE',
        `cannot decode the record: ${(err as Error).message}`,
        { classification: 'terminal', cause: err },
      ),
    }
  }
}
