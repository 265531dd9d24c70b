import { buildFailed, buildIssued, failure } from '../domain/build-output-events.js'
import type { CompiledRoute } from '../domain/compile-routes.js'
import { holderKey } from '../domain/idempotency-key.js'
import type { IssuanceCommand, SourceRef } from '../domain/issuance-command.js'
import type { OutputEvent } from '../domain/output-events.js'
import type { RelayError } from '../errors/relay-error.js'
import type { InputRecord } from '../kafka/input-record.js'
import { TRACEPARENT_HEADER, TRACESTATE_HEADER } from '../kafka/cloudevents-binding.js'
import type { TraceContext } from '../kafka/tracestate.js'
import type { OutgoingRecord } from '../kafka/partition-transactions.js'
import { encodeLedgerEntry, LedgerState, type LedgerEntry } from '../ledger/ledger-entry.js'
import { encodeConfirmRequest, type ConfirmRequest } from './confirm-request.js'
import type { CallOutcome } from './issue-call.js'
import { isMocaFailure, type EventEncoder } from './ports.js'

/**
 * What an outcome of the issue stage writes: its ledger entry and the records of one transaction.
 * Built here, written by the stage (which also updates its in-memory ledger with `entry`).
 */
export interface OutcomeWrites {
  readonly ledgerKey: string
  readonly entry: LedgerEntry
  readonly records: OutgoingRecord[]
}

export interface OutcomeDeps {
  readonly encoder: EventEncoder
  readonly topics: {
    readonly issued: string
    readonly failed: string
    readonly confirmQueue: string
  }
  /** The run writing (ledger entries, event ids of failures); null for the live relay. */
  readonly run: string | null
  /** Where this partition's ledger records go. */
  readonly ledger: { readonly topic: string; readonly partition: number }
}

/** The command behind an outcome, and the trace context its records carry on. */
interface Issuance extends TraceContext {
  readonly command: IssuanceCommand
  readonly record: InputRecord
  readonly generation: number
}

/** ISSUED + credential.issued + the confirm stage's request, or FAILED + credential.failed. */
export async function callOutcomeWrites(
  deps: OutcomeDeps,
  issuance: Issuance,
  outcome: Exclude<CallOutcome, { kind: 'abandoned' }>,
  at: Date,
): Promise<OutcomeWrites> {
  const { command, record, generation } = issuance
  if (outcome.kind === 'issued') {
    const entry: LedgerEntry = {
      state: LedgerState.issued,
      generation,
      at: at.getTime(),
      run: deps.run,
      holder: holderKey(command.program, command.email),
      coreClaimHash: outcome.response.coreClaimHash,
      userUuid: outcome.response.userUuid,
    }
    const issued = buildIssued({
      command,
      generation,
      response: outcome.response,
      onDuplicate: outcome.onDuplicate,
      attempts: outcome.attempts,
      issuedAt: at,
      run: deps.run,
    })
    const request: ConfirmRequest = {
      v: 1,
      idempotencyKey: command.idempotencyKey,
      generation,
      route: command.route,
      program: command.program,
      email: command.email,
      orderingKey: command.orderingKey,
      coreClaimHash: outcome.response.coreClaimHash,
      userUuid: outcome.response.userUuid,
      issuedAt: at.getTime(),
      source: command.source,
      traceparent: issuance.traceparent,
      ...(issuance.tracestate === null ? {} : { tracestate: issuance.tracestate }),
      ...(deps.run === null ? {} : { run: deps.run }),
    }
    return {
      ledgerKey: command.idempotencyKey,
      entry,
      records: [
        ledgerRecord(deps, command.idempotencyKey, entry),
        await outputRecord(deps, deps.topics.issued, issued, record.key, issuance),
        confirmRecord(deps, request, record.key),
      ],
    }
  }
  const { error } = outcome
  const entry: LedgerEntry = {
    state: LedgerState.failed,
    generation,
    at: at.getTime(),
    run: deps.run,
    code: error.code,
    uncertain: outcome.uncertain,
  }
  const failed = buildFailed({
    stage: 'issue',
    idempotencyKey: command.idempotencyKey,
    generation,
    route: command.route,
    program: command.program,
    source: command.source,
    failure: failure(error.code, error.message, httpStatusOf(error), outcome.attempts),
    at,
    run: deps.run,
  })
  return failureWrites(deps, command.idempotencyKey, entry, failed, record.key, issuance)
}

/** Decoding or mapping failed: FAILED under the record's offset + credential.failed. */
export async function inputFailureWrites(
  deps: OutcomeDeps,
  input: {
    readonly record: InputRecord
    readonly ledgerKey: string
    readonly error: RelayError
    readonly route: CompiledRoute | null
    readonly eventId: string | null
    readonly traceparent: string | null
    readonly tracestate: string | null
  },
  at: Date,
): Promise<OutcomeWrites> {
  const { record, error, route } = input
  const source: SourceRef = {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    eventId: input.eventId,
  }
  const entry: LedgerEntry = {
    state: LedgerState.failed,
    generation: 0,
    at: at.getTime(),
    run: deps.run,
    code: error.code,
  }
  const failed = buildFailed({
    stage: 'decode',
    idempotencyKey: null,
    generation: 0,
    route: route?.name ?? null,
    program: route?.program ?? null,
    source,
    // Nothing reached MocaChain: the schema says 0 calls.
    failure: failure(error.code, error.message, null, 0),
    at,
    run: deps.run,
  })
  return failureWrites(deps, input.ledgerKey, entry, failed, record.key, input)
}

/** A FAILED ledger entry and its credential.failed, in one transaction. */
async function failureWrites(
  deps: OutcomeDeps,
  ledgerKey: string,
  entry: LedgerEntry,
  failed: OutputEvent,
  key: Buffer | null,
  trace: TraceContext,
): Promise<OutcomeWrites> {
  return {
    ledgerKey,
    entry,
    records: [
      ledgerRecord(deps, ledgerKey, entry),
      await outputRecord(deps, deps.topics.failed, failed, key, trace),
    ],
  }
}

/** A new confirmation for an issued credential: its deadline starts now, at a newer epoch. */
export function reconfirmRecord(
  deps: OutcomeDeps,
  input: {
    readonly command: IssuanceCommand
    readonly record: InputRecord
    readonly traceparent: string | null
    readonly tracestate: string | null
    readonly issued: LedgerEntry | undefined
  },
  at: number,
): OutgoingRecord {
  const { command, issued } = input
  return confirmRecord(
    deps,
    {
      v: 1,
      idempotencyKey: command.idempotencyKey,
      generation: issued?.generation ?? 0,
      route: command.route,
      program: command.program,
      email: command.email,
      orderingKey: command.orderingKey,
      coreClaimHash: issued?.coreClaimHash ?? '',
      userUuid: issued?.userUuid ?? '',
      issuedAt: at,
      source: command.source,
      traceparent: input.traceparent,
      ...(input.tracestate === null ? {} : { tracestate: input.tracestate }),
      epoch: at,
      ...(issued?.run ? { run: issued.run } : {}),
    },
    input.record.key,
  )
}

export function ledgerRecord(
  deps: Pick<OutcomeDeps, 'ledger'>,
  key: string,
  entry: LedgerEntry,
): OutgoingRecord {
  return {
    topic: deps.ledger.topic,
    partition: deps.ledger.partition,
    key,
    value: encodeLedgerEntry(entry),
  }
}

/** The trace context headers of a confirm request's record, for tools that read the queue. */
function traceHeaders(request: ConfirmRequest): Record<string, string> {
  const headers: Record<string, string> = {}
  if (request.traceparent) headers[TRACEPARENT_HEADER] = request.traceparent
  if (request.traceparent && request.tracestate) headers[TRACESTATE_HEADER] = request.tracestate
  return headers
}

/**
 * A confirm request keyed by its input record's key, or, for an unkeyed record, by its idempotency
 * key: unkeyed records go round-robin, and every request about one credential must reach the
 * partition whose confirm ledger settles it (ConfirmRequest `unkeyed`).
 */
function confirmRecord(
  deps: OutcomeDeps,
  request: ConfirmRequest,
  key: Buffer | null,
): OutgoingRecord {
  return {
    topic: deps.topics.confirmQueue,
    key: key ?? request.idempotencyKey,
    value: encodeConfirmRequest(key === null ? { ...request, unkeyed: true } : request),
    ...(request.traceparent ? { headers: traceHeaders(request) } : {}),
  }
}

async function outputRecord(
  deps: OutcomeDeps,
  topic: string,
  event: OutputEvent,
  key: Buffer | null,
  trace: TraceContext,
): Promise<OutgoingRecord> {
  const encoded = await deps.encoder.encode(event, {
    key,
    traceparent: trace.traceparent,
    tracestate: trace.tracestate,
  })
  return { topic, key: encoded.key, value: encoded.value, headers: encoded.headers }
}

/** The status of the MocaChain answer behind a failure, when there was one. */
function httpStatusOf(error: RelayError): number | null {
  if (isMocaFailure(error)) return error.httpStatus
  return isMocaFailure(error.cause) ? error.cause.httpStatus : null
}
