import { buildFailed, buildIssued, failure } from '../domain/build-output-events.js'
import type { CompiledRoute } from '../domain/compile-routes.js'
import type { DomainEvent } from '../domain/domain-event.js'
import { generationKey, holderKey } from '../domain/idempotency-key.js'
import type { IssuanceCommand, SourceRef } from '../domain/issuance-command.js'
import { toCommand } from '../domain/map-event.js'
import { maskEmail } from '../domain/mask-email.js'
import type { IssueResponse, OnDuplicate } from '../domain/moca-api.js'
import type { OutputEvent } from '../domain/output-events.js'
import type { RetryPolicy } from '../domain/retry-policy.js'
import { isProgrammerError, isRelayError, RelayError } from '../errors/relay-error.js'
import type { InputRecord } from '../kafka/input-record.js'
import type { OutgoingRecord } from '../kafka/partition-transactions.js'
import { encodeLedgerEntry, LedgerState, type LedgerEntry } from '../ledger/ledger-entry.js'
import { offsetLedgerKey } from '../ledger/ledger-topics.js'
import type { MocaClient } from '../moca/moca-client.js'
import type { RouteCircuit } from './circuit-breaker.js'
import { encodeConfirmRequest, type ConfirmRequest } from './confirm-request.js'
import { createKeyOrderedExecutor } from './key-ordered-executor.js'
import type { LedgerPolicy } from './ledger-policy.js'
import type { Slot } from './offset-tracker.js'
import type { CreatePartitionProcessor, PartitionContext } from './partition-worker.js'
import { isMocaFailure, type EventDecoder, type EventEncoder, type MocaFailure } from './ports.js'
import type { RelayMetrics } from './relay-metrics.js'
import { runWithRetry, sleep, type AttemptResult } from './retry-engine.js'

export interface IssueStageDeps {
  readonly decoder: EventDecoder
  readonly encoder: EventEncoder
  readonly routes: readonly CompiledRoute[]
  readonly moca: MocaClient
  readonly circuitOf: (route: string) => RouteCircuit
  readonly retryPolicy: RetryPolicy
  readonly ledgerPolicy: LedgerPolicy
  readonly topics: {
    readonly issued: string
    readonly failed: string
    readonly confirmQueue: string
  }
  /**
   * How long a call may still land after it was sent: the client's request timeout plus a margin.
   * A recovery waits this long after the intent before asking MocaChain, so a call of a crashed
   * or revoked owner that is still in flight lands first and the recovery finds it.
   */
  readonly uncertaintyWindowMs: number
  readonly metrics: RelayMetrics
  readonly now?: () => number
  /** Redrive: only these records (`topic/partition/offset`) are processed; others pass untouched. */
  readonly only?: ReadonlySet<string>
}

interface IssueTask {
  readonly command: IssuanceCommand
  readonly record: InputRecord
  readonly slot: Slot
  readonly traceparent: string | null
}

type CallOutcome =
  | {
      readonly kind: 'issued'
      readonly response: IssueResponse
      readonly onDuplicate: OnDuplicate
      readonly attempts: number
    }
  | {
      readonly kind: 'failed'
      readonly error: RelayError
      readonly uncertain: boolean
      readonly attempts: number
    }
  | { readonly kind: 'abandoned' }

/**
 * The issue stage, per partition: decode → map to a command → (one command per ordering key at a
 * time) ledger check → intent committed → issue call with retries → outcome, ledger and
 * `credential.issued` / `credential.failed` staged in the partition's next transaction.
 */
export function createIssueStage(deps: IssueStageDeps): CreatePartitionProcessor {
  const now = deps.now ?? Date.now
  return (ctx) => {
    const log = ctx.logger
    /** Commands whose idempotency key is being issued right now (a safety net under "unordered"). */
    const busyKeys = new Map<string, Promise<void>>()
    const executor = createKeyOrderedExecutor<IssueTask>({
      run: (task) => serializeByKey(task),
      onBug: (err, task) => {
        log.error(
          { err, offset: task.slot.offset },
          'bug in the issue stage; rebuilding the partition',
        )
        ctx.fail(err)
      },
    })
    let admission: Promise<void> = Promise.resolve()

    async function serializeByKey(task: IssueTask): Promise<void> {
      const key = task.command.idempotencyKey
      for (let busy = busyKeys.get(key); busy; busy = busyKeys.get(key)) await busy
      const done = issueOne(task)
      busyKeys.set(key, done)
      try {
        await done
      } finally {
        busyKeys.delete(key)
      }
    }

    /** The story of one command. */
    async function issueOne(task: IssueTask): Promise<void> {
      if (ctx.stopping.aborted) return
      const { command } = task
      const decision = deps.ledgerPolicy.decide(ctx.ledger.get(command.idempotencyKey))
      if (decision.action === 'skip') {
        deps.metrics.outcome('issue', command.route, 'duplicate')
        void ctx.batcher.stage([], task.slot)
        return
      }
      if (decision.action === 'reconfirm') {
        void ctx.batcher.stage([reconfirmRecord(task)], task.slot)
        deps.metrics.outcome('issue', command.route, 'reconfirmed')
        return
      }
      const { generation } = decision
      if (decision.recover) {
        const intent = ctx.ledger.get(command.idempotencyKey)
        const waitMs = (intent?.at ?? 0) + deps.uncertaintyWindowMs - now()
        if (!(await sleep(waitMs, ctx.stopping))) return
      } else {
        const intent: LedgerEntry = {
          state: LedgerState.intent,
          generation,
          at: now(),
          run: deps.ledgerPolicy.run,
          onDuplicate: command.onDuplicate,
        }
        ctx.ledger.set(command.idempotencyKey, intent)
        // Invariant 2: the intent is committed before MocaChain can receive the call.
        await ctx.batcher.stage([ledgerRecord(ctx, command.idempotencyKey, intent)])
        if (ctx.stopping.aborted) return
      }
      const outcome = await callIssue(task, generation, decision.recover)
      if (outcome.kind === 'abandoned') return
      const records = await outcomeRecords(task, generation, outcome)
      void ctx.batcher.stage(records, task.slot)
    }

    async function callIssue(
      task: IssueTask,
      generation: number,
      recover: boolean,
    ): Promise<CallOutcome> {
      const { command } = task
      const circuit = deps.circuitOf(command.route)
      const holder = holderKey(command.program, command.email)
      const isPreviousCredential = (coreClaimHash: string): boolean => {
        const previous = ctx.ledger.latestIssued(holder)
        return (
          previous !== undefined &&
          previous.key !== command.idempotencyKey &&
          previous.coreClaimHash === coreClaimHash
        )
      }
      // Once an attempt may have been applied, every later attempt asks for the existing
      // credential: MocaChain receives at most one "revoke" per key that it may have acted on.
      let uncertain = recover
      let lastOnDuplicate: OnDuplicate = command.onDuplicate
      const result = await runWithRetry<CallOutcome>(
        { policy: deps.retryPolicy, startedAt: now(), signal: ctx.stopping },
        async (attemptNumber): Promise<AttemptResult<CallOutcome>> => {
          const waitStart = now()
          let permit
          try {
            permit = await circuit.acquire(ctx.stopping)
          } catch {
            return { kind: 'done', value: { kind: 'abandoned' } }
          }
          const waited = now() - waitStart
          const onDuplicate: OnDuplicate = uncertain ? 'ignore' : command.onDuplicate
          lastOnDuplicate = onDuplicate
          const started = now()
          try {
            const response = await deps.moca.issue(
              {
                program: command.program,
                email: command.email,
                credentialSubject: command.credentialSubject,
                onDuplicate,
                idempotencyKey: generationKey(command.idempotencyKey, generation),
              },
              { signal: ctx.signal },
            )
            permit.accepted()
            deps.metrics.mocaCall('issue', 'ok', (now() - started) / 1000)
            if (
              onDuplicate === 'ignore' &&
              command.onDuplicate === 'revoke' &&
              isPreviousCredential(response.coreClaimHash)
            ) {
              // MocaChain keys duplicates on user + program, not content: "ignore" answered with
              // the credential of this user's previous issuance. So the uncertain call never took
              // effect, and asking again with "revoke" is not a second revoke MocaChain acted on.
              log.info(
                { idempotencyKey: command.idempotencyKey, attempt: attemptNumber },
                'recovery found the previous credential: the interrupted call never took effect; issuing now',
              )
              uncertain = false
              return {
                kind: 'again',
                retryAfterMs: 0,
                last: new RelayError('MOCA_UNCERTAIN', 'recovery found the previous credential', {
                  classification: 'retryable',
                }),
              }
            }
            return {
              kind: 'done',
              value: { kind: 'issued', response, onDuplicate, attempts: attemptNumber },
            }
          } catch (thrown) {
            if (ctx.signal.aborted) {
              permit.accepted()
              return { kind: 'done', value: { kind: 'abandoned' } }
            }
            const err = asMocaFailure(thrown)
            if (!err) {
              permit.accepted()
              throw thrown
            }
            deps.metrics.mocaCall('issue', err.code, (now() - started) / 1000)
            if (err.classification === 'systemic') {
              permit.rejected(err)
              log.warn(
                { err: summarize(err), route: command.route },
                'MocaChain refused the route; its circuit opens',
              )
              return { kind: 'blocked', waitedMs: waited + (now() - started) }
            }
            permit.accepted()
            if (err.uncertain) uncertain = true
            if (err.classification === 'terminal') {
              return {
                kind: 'done',
                value: { kind: 'failed', error: err, uncertain, attempts: attemptNumber },
              }
            }
            deps.metrics.retried('issue', command.route, err.code)
            log.debug(
              {
                err: summarize(err),
                attempt: attemptNumber,
                idempotencyKey: command.idempotencyKey,
              },
              'issue attempt failed; retrying',
            )
            return { kind: 'again', retryAfterMs: err.retryAfterMs, last: err }
          }
        },
      )
      if (result.kind === 'done') return result.value
      if (result.kind === 'aborted') return { kind: 'abandoned' }
      const last = result.last as MocaFailure
      return {
        kind: 'failed',
        uncertain,
        attempts: result.attempts,
        error: new RelayError(
          'MOCA_RETRIES_EXHAUSTED',
          `gave up after ${result.attempts} attempts (last onDuplicate "${lastOnDuplicate}"): ${last.message}`,
          { classification: 'terminal', cause: last },
        ),
      }
    }

    async function outcomeRecords(
      task: IssueTask,
      generation: number,
      outcome: Exclude<CallOutcome, { kind: 'abandoned' }>,
    ): Promise<OutgoingRecord[]> {
      const { command, record } = task
      const at = new Date(now())
      if (outcome.kind === 'issued') {
        const entry: LedgerEntry = {
          state: LedgerState.issued,
          generation,
          at: at.getTime(),
          run: deps.ledgerPolicy.run,
          holder: holderKey(command.program, command.email),
          coreClaimHash: outcome.response.coreClaimHash,
          userUuid: outcome.response.userUuid,
        }
        ctx.ledger.set(command.idempotencyKey, entry)
        deps.metrics.outcome('issue', command.route, 'issued')
        const issued = buildIssued({
          command,
          generation,
          response: outcome.response,
          onDuplicate: outcome.onDuplicate,
          attempts: outcome.attempts,
          issuedAt: at,
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
          traceparent: task.traceparent,
        }
        return [
          ledgerRecord(ctx, command.idempotencyKey, entry),
          await outputRecord(deps.topics.issued, issued, record.key, task.traceparent),
          {
            topic: deps.topics.confirmQueue,
            key: record.key,
            value: encodeConfirmRequest(request),
            headers: traceHeaders(task.traceparent),
          },
        ]
      }
      const { error } = outcome
      const entry: LedgerEntry = {
        state: LedgerState.failed,
        generation,
        at: at.getTime(),
        run: deps.ledgerPolicy.run,
        code: error.code,
        uncertain: outcome.uncertain,
      }
      ctx.ledger.set(command.idempotencyKey, entry)
      deps.metrics.outcome('issue', command.route, 'failed', error.code)
      log.info(
        {
          idempotencyKey: command.idempotencyKey,
          route: command.route,
          email: maskEmail(command.email),
          code: error.code,
          offset: record.offset,
        },
        'issuance failed',
      )
      const failed = buildFailed({
        stage: 'issue',
        idempotencyKey: command.idempotencyKey,
        generation,
        route: command.route,
        program: command.program,
        source: command.source,
        failure: failure(
          error.code,
          error.message,
          isMocaFailure(error) ? error.httpStatus : httpStatusOfCause(error),
          outcome.attempts,
        ),
        at,
        run: deps.ledgerPolicy.run,
      })
      return [
        ledgerRecord(ctx, command.idempotencyKey, entry),
        await outputRecord(deps.topics.failed, failed, record.key, task.traceparent),
      ]
    }

    /** A new confirmation for an issued credential: its deadline starts now, at a newer epoch. */
    function reconfirmRecord(task: IssueTask): OutgoingRecord {
      const { command } = task
      const entry = ctx.ledger.get(command.idempotencyKey)
      const at = now()
      const request: ConfirmRequest = {
        v: 1,
        idempotencyKey: command.idempotencyKey,
        generation: entry?.generation ?? 0,
        route: command.route,
        program: command.program,
        email: command.email,
        orderingKey: command.orderingKey,
        coreClaimHash: entry?.coreClaimHash ?? '',
        userUuid: entry?.userUuid ?? '',
        issuedAt: at,
        source: command.source,
        traceparent: task.traceparent,
        epoch: at,
      }
      return {
        topic: deps.topics.confirmQueue,
        key: task.record.key,
        value: encodeConfirmRequest(request),
        headers: traceHeaders(task.traceparent),
      }
    }

    /** Decoding or mapping failed: the record still ends as exactly one credential.failed. */
    async function failRecord(
      record: InputRecord,
      slot: Slot,
      error: RelayError,
      route: CompiledRoute | null,
      event: DomainEvent | null,
    ): Promise<void> {
      const source: SourceRef = {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        eventId: event?.id ?? null,
      }
      const at = new Date(now())
      const key = offsetLedgerKey(record.offset)
      const prior = ctx.ledger.get(key)
      if (prior && deps.ledgerPolicy.decide(prior).action === 'skip') {
        // Already failed before (a restart re-read it beyond the committed offset, or a replay).
        deps.metrics.outcome('issue', route?.name ?? '(none)', 'duplicate')
        void ctx.batcher.stage([], slot)
        return
      }
      const entry: LedgerEntry = {
        state: LedgerState.failed,
        generation: 0,
        at: at.getTime(),
        run: deps.ledgerPolicy.run,
        code: error.code,
      }
      ctx.ledger.set(key, entry)
      deps.metrics.outcome('issue', route?.name ?? '(none)', 'failed', error.code)
      log.info(
        { offset: record.offset, code: error.code, route: route?.name ?? null },
        'input record failed',
      )
      const failed = buildFailed({
        stage: 'decode',
        idempotencyKey: null,
        generation: 0,
        route: route?.name ?? null,
        program: route?.program ?? null,
        source,
        failure: failure(error.code, error.message, null, 1),
        at,
        run: deps.ledgerPolicy.run,
      })
      void ctx.batcher.stage(
        [
          ledgerRecord(ctx, key, entry),
          await outputRecord(deps.topics.failed, failed, record.key, event?.traceparent ?? null),
        ],
        slot,
      )
    }

    async function outputRecord(
      topic: string,
      event: OutputEvent,
      key: Buffer | null,
      traceparent: string | null,
    ): Promise<OutgoingRecord> {
      const encoded = await deps.encoder.encode(event, { key, traceparent })
      return { topic, key: encoded.key, value: encoded.value, headers: encoded.headers }
    }

    /** Decodes and maps in offset order (ordering keys must be assigned in offset order). */
    async function admit(record: InputRecord, slot: Slot): Promise<void> {
      if (deps.only && !deps.only.has(`${record.topic}/${record.partition}/${record.offset}`)) {
        void ctx.batcher.stage([], slot)
        return
      }
      const event = await decodeWithRetry(record)
      if (event === null) return
      if (event instanceof RelayError) return failRecord(record, slot, event, null, null)
      const outcome = await toCommand(
        event,
        {
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          key: record.key?.toString('utf8') ?? null,
        },
        deps.routes,
      )
      switch (outcome.kind) {
        case 'skipped':
          deps.metrics.outcome('issue', outcome.route ?? '(none)', 'skipped', outcome.reason)
          void ctx.batcher.stage([], slot)
          return
        case 'failed':
          return failRecord(record, slot, outcome.error, outcome.route, event)
        case 'command':
          executor.submit(outcome.command.orderingKey, {
            command: outcome.command,
            record,
            slot,
            traceparent: event.traceparent,
          })
      }
    }

    /** A registry outage blocks the partition (decoding is in order); bad bytes fail the record. */
    async function decodeWithRetry(record: InputRecord): Promise<DomainEvent | RelayError | null> {
      let result: DomainEvent | RelayError | null = null
      const outcome = await runWithRetry<DomainEvent | RelayError>(
        {
          policy: { ...deps.retryPolicy, deadlineMs: Number.POSITIVE_INFINITY },
          startedAt: now(),
          signal: ctx.stopping,
        },
        async () => {
          try {
            return { kind: 'done', value: await deps.decoder.decode(record) }
          } catch (err) {
            if (isRelayError(err) && err.classification === 'retryable') {
              log.warn(
                { err: summarize(err), offset: record.offset },
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
        },
      )
      if (outcome.kind === 'done') result = outcome.value
      return result
    }

    return {
      process(record, slot) {
        admission = admission.then(
          () => admit(record, slot),
          () => admit(record, slot),
        )
        admission.catch((err: unknown) => {
          log.error(
            { err, offset: record.offset },
            'bug while admitting a record; rebuilding the partition',
          )
          ctx.fail(err)
        })
      },
      async whenIdle() {
        await admission.catch(() => undefined)
        await executor.whenIdle()
      },
    }
  }
}

function ledgerRecord(ctx: PartitionContext, key: string, entry: LedgerEntry): OutgoingRecord {
  return { topic: ctx.ledgerTopic, partition: ctx.partition, key, value: encodeLedgerEntry(entry) }
}

function traceHeaders(traceparent: string | null): Record<string, string> | undefined {
  return traceparent ? { traceparent } : undefined
}

/**
 * MocaChain failures carry their own fields; other relay errors raised on the way (e.g. signing
 * the JWT with an unusable key) are read by their classification and never count as uncertain,
 * since nothing was sent.
 */
function asMocaFailure(err: unknown): MocaFailure | null {
  if (isMocaFailure(err)) return err
  if (!isRelayError(err)) return null
  return Object.assign(Object.create(err) as MocaFailure, {
    httpStatus: null,
    uncertain: false,
    retryAfterMs: null,
  })
}

function httpStatusOfCause(error: RelayError): number | null {
  const cause = error.cause
  return isMocaFailure(cause) ? cause.httpStatus : null
}

/** What goes into a log line about a MocaChain error: never headers or bodies with secrets. */
function summarize(err: RelayError): Record<string, unknown> {
  return {
    code: err.code,
    message: err.message,
    httpStatus: isMocaFailure(err) ? err.httpStatus : undefined,
    uncertain: isMocaFailure(err) ? err.uncertain : undefined,
  }
}
