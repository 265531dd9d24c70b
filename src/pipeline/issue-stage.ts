import type { CompiledRoute } from '../domain/compile-routes.js'
import type { DomainEvent } from '../domain/domain-event.js'
import type { IssuanceCommand } from '../domain/issuance-command.js'
import { toCommand } from '../domain/map-event.js'
import { maskEmail, maskEmailsIn } from '../domain/mask-email.js'
import type { RetryPolicy } from '../domain/retry-policy.js'
import { isRelayError, RelayError } from '../errors/relay-error.js'
import { coordinatesOf, type InputRecord } from '../kafka/input-record.js'
import { LedgerState, type LedgerEntry } from '../ledger/ledger-entry.js'
import { offsetLedgerKey } from '../ledger/ledger-topics.js'
import type { MocaClient } from '../moca/moca-client.js'
import type { RouteCircuit } from './circuit-breaker.js'
import { decodeWithRetry } from './decode-with-retry.js'
import { callIssue, type CallOutcome } from './issue-call.js'
import {
  callOutcomeWrites,
  inputFailureWrites,
  ledgerRecord,
  reconfirmRecord,
  type OutcomeDeps,
  type OutcomeWrites,
} from './issue-outcomes.js'
import { createKeyOrderedExecutor } from './key-ordered-executor.js'
import type { LedgerPolicy } from './ledger-policy.js'
import type { MocaFailureWarnings } from './moca-failure-warnings.js'
import type { Slot } from './offset-tracker.js'
import { onTaskError, type CreatePartitionProcessor } from './partition-worker.js'
import type { EventDecoder, EventEncoder } from './ports.js'
import type { RelayMetrics } from './relay-metrics.js'
import { sleep } from './retry-engine.js'

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
   * How long a call may still land after it was sent (moca.uncertaintyWindow). A recovery waits
   * this long after the intent, and a retry after a call MocaChain may still apply (no answer, or
   * a gateway's: MocaFailure.mayLandLater) this long after that call was sent, before asking with
   * "ignore": a late call lands first and is found.
   */
  readonly uncertaintyWindowMs: number
  readonly metrics: RelayMetrics
  /** Shared by both stages: one warning per route and code for all partitions. */
  readonly failureWarnings: MocaFailureWarnings
  readonly now?: () => number
  /** Redrive: only these records (`topic/partition/offset`) are processed; others pass untouched. */
  readonly only?: ReadonlySet<string>
}

interface IssueTask {
  readonly command: IssuanceCommand
  readonly record: InputRecord
  readonly slot: Slot
  readonly traceparent: string | null
  readonly tracestate: string | null
}

/**
 * The issue stage, per partition: decode → map to a command → (one command per ordering key at a
 * time) ledger check → intent committed → issue call with retries → outcome, ledger and
 * `credential.issued` / `credential.failed` staged in the partition's next transaction.
 */
export function createIssueStage(deps: IssueStageDeps): CreatePartitionProcessor {
  const now = deps.now ?? Date.now
  const decodeDeps = { decoder: deps.decoder, retryPolicy: deps.retryPolicy, now }
  return (ctx) => {
    const log = ctx.logger
    const outcomeDeps: OutcomeDeps = {
      encoder: deps.encoder,
      topics: deps.topics,
      run: deps.ledgerPolicy.run,
      ledger: { topic: ctx.ledgerTopic, partition: ctx.partition },
    }
    const callDeps = {
      moca: deps.moca,
      circuitOf: deps.circuitOf,
      retryPolicy: deps.retryPolicy,
      metrics: deps.metrics,
      failureWarnings: deps.failureWarnings,
      uncertaintyWindowMs: deps.uncertaintyWindowMs,
      now,
    }
    /** Records a stage outcome in the in-memory ledger and stages its writes with the slot. */
    const commitOutcome = (writes: OutcomeWrites, slot: Slot): void => {
      ctx.ledger.set(writes.ledgerKey, writes.entry)
      void ctx.batcher.stage(writes.records, slot)
    }
    /** Commands whose idempotency key is being issued right now (a safety net under "unordered"). */
    const busyKeys = new Map<string, Promise<void>>()
    const executor = createKeyOrderedExecutor<IssueTask>({
      run: (task) => serializeByKey(task),
      onBug: (err, task) => onTaskError(ctx, err, task.slot.offset),
    })
    let admission: Promise<void> = Promise.resolve()

    /** Not async: a command in flight holds no frame here, only its place in busyKeys. */
    function serializeByKey(task: IssueTask): Promise<void> {
      const key = task.command.idempotencyKey
      const busy = busyKeys.get(key)
      // Whoever waited wakes after the running command left busyKeys, and looks again.
      if (busy) return busy.then(() => serializeByKey(task))
      const done = issueOne(task).finally(() => busyKeys.delete(key))
      busyKeys.set(key, done)
      return done
    }

    /**
     * The story of one command, up to the call; afterCall tells the rest. The call is returned,
     * not awaited: a command in flight holds no suspended frame here.
     */
    async function issueOne(task: IssueTask): Promise<void> {
      if (ctx.stopping.aborted) return
      const { command } = task
      // read once: nothing below awaits before it is used
      const prior = ctx.ledger.get(command.idempotencyKey)
      const decision = deps.ledgerPolicy.decide(prior, command.source)
      if (decision.action === 'skip') {
        deps.metrics.outcome('issue', command.route, 'duplicate')
        void ctx.batcher.stage([], task.slot)
        return
      }
      if (decision.action === 'reconfirm') {
        void ctx.batcher.stage(
          [reconfirmRecord(outcomeDeps, { ...task, issued: prior }, now())],
          task.slot,
        )
        deps.metrics.outcome('issue', command.route, 'reconfirmed')
        return
      }
      if (decision.action === 'forgotten') {
        deps.metrics.outcome('issue', command.route, 'forgotten')
        void ctx.batcher.stage([], task.slot)
        return
      }
      const { generation } = decision
      let replaces: string | undefined
      if (decision.recover) {
        replaces = prior?.replaces
        const waitMs = (prior?.at ?? 0) + deps.uncertaintyWindowMs - now()
        if (!(await sleep(waitMs, ctx.stopping))) return
      } else {
        // A reissue replaces the credential of the generation before it; the intent overwrites
        // that entry, so it keeps the hash for a recovery to recognise.
        replaces = prior?.state === LedgerState.issued ? prior.coreClaimHash : undefined
        const intent: LedgerEntry = {
          state: LedgerState.intent,
          generation,
          at: now(),
          run: deps.ledgerPolicy.run,
          onDuplicate: command.onDuplicate,
          ...(replaces === undefined ? {} : { replaces }),
        }
        ctx.ledger.set(command.idempotencyKey, intent)
        // Invariant 2: the intent is committed before MocaChain can receive the call.
        await ctx.batcher.stage([ledgerRecord(outcomeDeps, command.idempotencyKey, intent)])
        if (ctx.stopping.aborted) return
      }
      return callIssue(callDeps, ctx, {
        command,
        generation,
        recover: decision.recover,
        ...(replaces === undefined ? {} : { replaces }),
      }).then((outcome) => afterCall(task, generation, outcome))
    }

    /** The outcome of the call: counted, logged when failed, and written with the offset. */
    async function afterCall(
      task: IssueTask,
      generation: number,
      outcome: CallOutcome,
    ): Promise<void> {
      const { command } = task
      if (outcome.kind === 'abandoned') return
      if (outcome.kind === 'issued') {
        deps.metrics.outcome('issue', command.route, 'issued')
      } else {
        deps.metrics.outcome('issue', command.route, 'failed', outcome.error.code)
        log.info(
          {
            idempotencyKey: command.idempotencyKey,
            route: command.route,
            email: maskEmail(command.email),
            code: outcome.error.code,
            message: maskEmailsIn(outcome.error.message),
            offset: task.record.offset,
          },
          'issuance failed',
        )
      }
      commitOutcome(
        await callOutcomeWrites(outcomeDeps, { ...task, generation }, outcome, new Date(now())),
        task.slot,
      )
    }

    /** Decoding or mapping failed: the record still ends as exactly one credential.failed. */
    async function failRecord(
      record: InputRecord,
      slot: Slot,
      error: RelayError,
      route: CompiledRoute | null,
      event: DomainEvent | null,
    ): Promise<void> {
      const ledgerKey = offsetLedgerKey(record.offset)
      const prior = ctx.ledger.get(ledgerKey)
      if (prior && deps.ledgerPolicy.decide(prior).action === 'skip') {
        // Already failed before (a restart re-read it beyond the committed offset, or a replay).
        deps.metrics.outcome('issue', route?.name ?? '(none)', 'duplicate')
        void ctx.batcher.stage([], slot)
        return
      }
      deps.metrics.outcome('issue', route?.name ?? '(none)', 'failed', error.code)
      log.info(
        { offset: record.offset, code: error.code, route: route?.name ?? null },
        'input record failed',
      )
      const writes = await inputFailureWrites(
        outcomeDeps,
        {
          record,
          ledgerKey,
          error,
          route,
          eventId: event?.id ?? null,
          traceparent: event?.traceparent ?? null,
          tracestate: event?.tracestate ?? null,
        },
        new Date(now()),
      )
      commitOutcome(writes, slot)
    }

    /** Decodes and maps in offset order (ordering keys must be assigned in offset order). */
    async function admit(record: InputRecord, slot: Slot): Promise<void> {
      if (deps.only && !deps.only.has(`${record.topic}/${record.partition}/${record.offset}`)) {
        void ctx.batcher.stage([], slot)
        return
      }
      const event = await decodeWithRetry(decodeDeps, ctx, record)
      if (event === null) return
      if (event instanceof RelayError) return failRecord(record, slot, event, null, null)
      const outcome = await toCommand(event, coordinatesOf(record), deps.routes)
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
            tracestate: event.tracestate,
          })
      }
    }

    return {
      process(record, slot) {
        admission = admission.then(
          () => admit(record, slot),
          () => admit(record, slot),
        )
        admission.catch((err: unknown) => {
          // Only decoding throws a systemic error here (the registry refusing the relay): it
          // stops the partition at this record, counted as blocked, as the confirm stage counts
          // a record it cannot act on.
          if (isRelayError(err) && err.classification === 'systemic')
            deps.metrics.outcome('issue', '(none)', 'blocked', err.code)
          ctx.fail(err, record.offset)
        })
      },
      async whenIdle() {
        await admission.catch(() => undefined)
        await executor.whenIdle()
      },
    }
  }
}
