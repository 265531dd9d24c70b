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
 * Null: the partition stopped first. Programmer errors and systemic RelayErrors (the registry
 * refusing the relay's credentials) are thrown, never retried here: the stage stops the partition.
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
  const first = await untilStopped(decodeOnce(deps, ctx, record), ctx.stopping)
  if (first === null) return null
  if (first.kind === 'done') return first.value
  const outcome = await runWithRetry<DomainEvent | RelayError>(
    {
      policy: { ...deps.retryPolicy, deadlineMs: Number.POSITIVE_INFINITY },
      startedAt: deps.now(),
      firstDelayMs: deps.retryPolicy.initialDelayMs,
      signal: ctx.stopping,
    },
    async () => (await untilStopped(decodeOnce(deps, ctx, record), ctx.stopping)) ?? STOPPED,
  )
  return outcome.kind === 'done' ? outcome.value : null
}

/** An attempt cut short by the stop: the engine sees the signal and ends as aborted. */
const STOPPED: AttemptResult<never> = { kind: 'again', last: null }

/** Per partition signal, the decodes still waiting: the stop ends them with null. */
const waitingOn = new WeakMap<AbortSignal, Set<(stopped: null) => void>>()

/**
 * The decode, or null as soon as the partition stops: a stopping worker waits for its decode
 * (decoding is in order), and a registry that hangs must not hold a rebalance or a shutdown for
 * its whole timeout. One listener per partition's signal, not one per record; a decode leaves
 * its set when it settles. (Racing each decode against one long-lived promise would leave that
 * promise a reaction per record, each holding its decoded event until the partition stops.)
 */
function untilStopped<T>(decode: Promise<T>, stopping: AbortSignal): Promise<T | null> {
  if (stopping.aborted) {
    // Nobody reads it now: its failure must not surface as an unhandled rejection.
    decode.catch(() => undefined)
    return Promise.resolve(null)
  }
  const decodes = waitingOn.get(stopping) ?? decodesOf(stopping)
  return new Promise<T | null>((resolve, reject) => {
    decodes.add(resolve)
    decode.then(
      (value) => {
        decodes.delete(resolve)
        resolve(value)
      },
      (err: unknown) => {
        decodes.delete(resolve)
        reject(err)
      },
    )
  })
}

/** Made apart from any one decode, so that the listener's closure holds none of them. */
function decodesOf(stopping: AbortSignal): Set<(stopped: null) => void> {
  const decodes = new Set<(stopped: null) => void>()
  stopping.addEventListener('abort', () => decodes.forEach((stop) => stop(null)), { once: true })
  waitingOn.set(stopping, decodes)
  return decodes
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
    // A systemic error (the registry refusing the relay's credentials) says nothing about the
    // record: failing it would dead-letter every record read until an operator acts. Thrown, it
    // stops the partition at this record, /readyz says why, and the rebuild asks again.
    if (isRelayError(err) && err.classification === 'systemic') throw err
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
