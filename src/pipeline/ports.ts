import type { DomainEvent } from '../domain/domain-event.js'
import type { OutputEvent } from '../domain/output-events.js'
import { isRelayError, type RelayError } from '../errors/relay-error.js'
import type { InputRecord } from '../kafka/input-record.js'
import type { EncodeContext, EncodedRecord } from '../kafka/output-encoder.js'

/**
 * What the pipeline needs from its adapters, as interfaces: kafka/ implements the codecs,
 * moca/ the client (moca-client.ts), and tests may pass plain objects.
 */
export interface EventDecoder {
  /** Throws a RelayError: terminal for a bad record, retryable when the registry is unreachable. */
  decode(record: InputRecord): Promise<DomainEvent>
}

/** An output record as the encoder hands it over (kafka/output-encoder.ts). */
export type EncodedEvent = EncodedRecord

/** What an output record takes from its input record: its key and its trace context. */
export type EventContext = EncodeContext

export interface EventEncoder {
  encode(event: OutputEvent, context: EventContext): Promise<EncodedEvent>
}

/** The fields of a MocaChain failure (moca/moca-error.ts) the pipeline acts on. */
export interface MocaFailure extends RelayError {
  readonly httpStatus: number | null
  /** The request may have been applied: the next attempt must use onDuplicate "ignore". */
  readonly uncertain: boolean
  /**
   * MocaChain may still apply the request after this failure was seen (no answer, or a gateway's
   * answer): no "ignore" before it could have landed (the uncertainty window).
   */
  readonly mayLandLater: boolean
  readonly retryAfterMs: number | null
}

export function isMocaFailure(err: unknown): err is MocaFailure {
  return isRelayError(err) && typeof (err as { uncertain?: unknown }).uncertain === 'boolean'
}
