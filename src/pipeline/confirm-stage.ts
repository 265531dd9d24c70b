import { buildFailed, buildOnchain, failure } from '../domain/build-output-events.js'
import { generationKey } from '../domain/idempotency-key.js'
import { maskEmailsIn } from '../domain/mask-email.js'
import { printableText } from '../domain/message-text.js'
import { KnownVcStatus, type StatusResponse } from '../domain/moca-api.js'
import type { OutputEvent } from '../domain/output-events.js'
import type { RetryPolicy } from '../domain/retry-policy.js'
import { isRelayError, RelayError } from '../errors/relay-error.js'
import type { InputRecord } from '../kafka/input-record.js'
import type { OutgoingRecord } from '../kafka/partition-transactions.js'
import { encodeLedgerEntry, LedgerState, type LedgerEntry } from '../ledger/ledger-entry.js'
import { offsetLedgerKey } from '../ledger/ledger-topics.js'
import type { MocaClient } from '../moca/moca-client.js'
import { permitUnlessStopped, type RouteCircuit } from './circuit-breaker.js'
import {
  CONFIRM_REQUEST_VERSION,
  readConfirmRequest,
  type ConfirmRequest,
  type SalvagedRequest,
} from './confirm-request.js'
import { createKeyOrderedExecutor } from './key-ordered-executor.js'
import type { MocaFailureWarnings } from './moca-failure-warnings.js'
import type { Slot } from './offset-tracker.js'
import { onTaskError, type CreatePartitionProcessor } from './partition-worker.js'
import { isMocaFailure, type EventContext, type EventEncoder } from './ports.js'
import type { RelayMetrics } from './relay-metrics.js'
import { runWithRetry, type AttemptResult } from './retry-engine.js'

/**
 * At least this long (or a quarter of the deadline, when shorter) of polling by the partition's
 * current owner before a credential times out: about three polls at the 30 s cap.
 */
const MIN_POLL_WINDOW_MS = 90_000

/** An unknown vcStatus is quoted this far: enough to read a status name. */
const MAX_STATUS_CHARS = 40

/** A coreClaimHash is 64 characters: one from another credential is quoted whole. */
const MAX_HASH_CHARS = 70

export interface ConfirmStageDeps {
  readonly encoder: EventEncoder
  readonly moca: MocaClient
  readonly circuitOf: (route: string) => RouteCircuit
  /** 1 s, doubling, capped at 30 s, no jitter; deadline = the confirm deadline. */
  readonly pollPolicy: RetryPolicy
  /**
   * A status 404 (MOCA_STATUS_NOT_FOUND) less than this long after issuance is polled again: the
   * status index may not know a hash the issue call has just returned. Later, it is terminal.
   */
  readonly notFoundGraceMs: number
  readonly topics: { readonly onchain: string; readonly failed: string }
  readonly run: string | null
  readonly metrics: RelayMetrics
  /** Shared by both stages: one warning per route and code for all partitions. */
  readonly failureWarnings: MocaFailureWarnings
  readonly now?: () => number
}

interface ConfirmTask {
  readonly request: ConfirmRequest
  readonly record: InputRecord
  readonly slot: Slot
}

/** A confirm-queue record that is no confirm request: it ends as credential.failed. */
interface UnreadableTask {
  readonly reason: string
  readonly salvaged: SalvagedRequest
  readonly record: InputRecord
  readonly slot: Slot
}

type PollResult =
  | { readonly kind: 'onchain'; readonly status: StatusResponse }
  /** `attempts`: the status calls made, as credential.failed reports them. */
  | { readonly kind: 'failed'; readonly error: RelayError; readonly attempts: number }
  | { readonly kind: 'abandoned' }

/**
 * The confirm stage, per partition of the confirm queue: poll status from `issuedAt` on the
 * policy's schedule until ONCHAIN (→ `credential.onchain`) or the deadline (→ `credential.failed`
 * CONFIRM_TIMEOUT). One credential per ordering key at a time, so a user's onchain events keep the
 * order of their issued events. The deadline counts from issuedAt, so a restart resumes it; a
 * credential its new owner reads past the deadline is still polled for MIN_POLL_WINDOW_MS.
 */
export function createConfirmStage(deps: ConfirmStageDeps): CreatePartitionProcessor {
  const now = deps.now ?? Date.now
  return (ctx) => {
    const log = ctx.logger
    const executor = createKeyOrderedExecutor<ConfirmTask | UnreadableTask>({
      run: (task) => ('request' in task ? confirmOne(task) : failUnreadable(task)),
      onBug: (err, task) => onTaskError(ctx, err, task.slot.offset),
    })
    /**
     * A record written by a newer relay stops the partition there: nothing after it starts (its
     * records are read again by the partition's next owner), and the records before it finish.
     */
    let stopped = false

    async function confirmOne(task: ConfirmTask): Promise<void> {
      if (ctx.stopping.aborted) return
      const { request } = task
      const ledgerKey = confirmLedgerKey(request)
      const prior = ctx.ledger.get(ledgerKey)
      const epoch = request.epoch ?? 0
      const settled =
        prior !== undefined &&
        isSameCredential(prior, request) &&
        (prior.state === LedgerState.onchain ||
          (prior.state === LedgerState.confirmFailed && (prior.epoch ?? 0) >= epoch))
      if (settled) {
        deps.metrics.outcome('confirm', request.route, 'duplicate')
        void ctx.batcher.stage([], task.slot)
        return
      }
      const result = await poll(request)
      if (result.kind === 'abandoned') return
      const at = new Date(now())
      if (result.kind === 'onchain') {
        const entry: LedgerEntry = {
          state: LedgerState.onchain,
          generation: request.generation,
          at: at.getTime(),
          run: deps.run,
          coreClaimHash: request.coreClaimHash,
        }
        // A first confirmation's entry dedupes nothing in this worker (it reads each offset once,
        // and no other epoch-0 request carries this key): holding it in memory for the whole
        // retention would cost ~0.3 KiB per credential for nothing. A redrive's entry stays, to
        // settle a later redrive of the same credential.
        if (epoch > 0) ctx.ledger.set(ledgerKey, entry)
        deps.metrics.outcome('confirm', request.route, 'onchain')
        const event = buildOnchain({
          idempotencyKey: request.idempotencyKey,
          generation: request.generation,
          route: request.route,
          program: request.program,
          source: request.source,
          coreClaimHash: request.coreClaimHash,
          userUuid: request.userUuid,
          status: result.status,
          at,
          run: request.run ?? null,
        })
        // The ONCHAIN entry only dedupes a record read again after a restart (the next owner
        // restores it); a redrive's newer epoch also needs it to stop repeats, so only the first
        // confirmation may drop it.
        const ledger = [ledgerRecord(ledgerKey, entry)]
        const outputs = [
          await output(deps.topics.onchain, event, {
            key: outputKey(task.record, request.unkeyed),
            traceparent: request.traceparent,
            tracestate: request.tracestate ?? null,
          }),
        ]
        void (epoch > 0
          ? ctx.batcher.stage([...ledger, ...outputs], task.slot)
          : ctx.batcher.stage(outputs, task.slot, { unlessCommitted: ledger }))
        return
      }
      const { error } = result
      const entry: LedgerEntry = {
        state: LedgerState.confirmFailed,
        generation: request.generation,
        at: at.getTime(),
        run: deps.run,
        code: error.code,
        // What settles this epoch when its record is read again (the check above).
        ...(epoch > 0 ? { epoch } : {}),
        ...(request.coreClaimHash === '' ? {} : { coreClaimHash: request.coreClaimHash }),
      }
      ctx.ledger.set(ledgerKey, entry)
      deps.metrics.outcome('confirm', request.route, 'failed', error.code)
      log.info(
        {
          idempotencyKey: request.idempotencyKey,
          code: error.code,
          message: maskEmailsIn(error.message),
        },
        'confirmation failed',
      )
      const event = buildFailed({
        stage: 'confirm',
        idempotencyKey: request.idempotencyKey,
        generation: request.generation,
        route: request.route,
        program: request.program,
        source: request.source,
        coreClaimHash: request.coreClaimHash,
        userUuid: request.userUuid,
        failure: failure(
          error.code,
          error.message,
          isMocaFailure(error) ? error.httpStatus : null,
          result.attempts,
        ),
        at,
        run: request.run ?? null,
        ...(epoch > 0 ? { epoch } : {}),
      })
      void ctx.batcher.stage(
        [
          ledgerRecord(ledgerKey, entry),
          await output(deps.topics.failed, event, {
            key: outputKey(task.record, request.unkeyed),
            traceparent: request.traceparent,
            tracestate: request.tracestate ?? null,
          }),
        ],
        task.slot,
      )
    }

    /**
     * Only the relay writes the confirm queue, so this is a bug or a stray write, and retrying
     * cannot mend it. The issued credential still ends as exactly one credential.failed, with
     * what could be read of it; with its input record's source a redrive re-polls it from the
     * issue ledger.
     */
    async function failUnreadable(task: UnreadableTask): Promise<void> {
      if (ctx.stopping.aborted) return
      const { record, salvaged } = task
      const route = salvaged.route ?? '(none)'
      const ledgerKey = offsetLedgerKey(record.offset)
      if (ctx.ledger.get(ledgerKey) !== undefined) {
        // Failed before: read again beyond the committed offset by this partition's next owner.
        deps.metrics.outcome('confirm', route, 'duplicate')
        void ctx.batcher.stage([], task.slot)
        return
      }
      const error = new RelayError(
        'CONFIRM_REQUEST_INVALID',
        `${queueRecord(record)} is not a confirm request: ${task.reason}`,
        { classification: 'terminal' },
      )
      const at = new Date(now())
      const generation = salvaged.generation ?? 0
      const entry: LedgerEntry = {
        state: LedgerState.confirmFailed,
        generation,
        at: at.getTime(),
        run: deps.run,
        code: error.code,
      }
      deps.metrics.outcome('confirm', route, 'failed', error.code)
      log.error(
        { err: error, offset: record.offset, idempotencyKey: salvaged.idempotencyKey },
        'confirm-queue record is not a confirm request; its credential ends as credential.failed',
      )
      const event = buildFailed({
        stage: 'confirm',
        idempotencyKey: salvaged.idempotencyKey,
        generation,
        route: salvaged.route,
        program: salvaged.program,
        source: salvaged.source ?? {
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          eventId: null,
        },
        coreClaimHash: salvaged.coreClaimHash,
        userUuid: salvaged.userUuid,
        failure: failure(error.code, error.message, null, 0),
        at,
        ...(salvaged.epoch ? { epoch: salvaged.epoch } : {}),
        // Without a key the subject is already this record's position.
        ...(salvaged.idempotencyKey === null
          ? {}
          : { unreadable: `q${record.partition}-${record.offset}` }),
      })
      const outputs = [
        await output(deps.topics.failed, event, {
          key: outputKey(record, salvaged.unkeyed),
          traceparent: salvaged.traceparent,
          tracestate: salvaged.tracestate,
        }),
      ]
      // As for a first confirmation's ONCHAIN: the entry only dedupes a re-read by the next owner.
      void ctx.batcher.stage(outputs, task.slot, {
        unlessCommitted: [ledgerRecord(ledgerKey, entry)],
      })
    }

    /** Stops the partition at a record written by a newer relay, once the records before it are done. */
    function stopAtNewer(record: InputRecord, version: number): void {
      const error = new RelayError(
        'CONFIRM_REQUEST_NEWER_VERSION',
        `${queueRecord(record)} is a confirm request v${version}, written by a newer relay; this relay reads v${CONFIRM_REQUEST_VERSION}. Upgrade this relay: the partition stays at this record until a relay that reads it takes the partition over`,
        { classification: 'systemic' },
      )
      stopped = true
      deps.metrics.outcome('confirm', '(none)', 'blocked', error.code)
      // The stop itself is logged by the runner, once the requests before this record are done.
      log.warn(
        { code: error.code, offset: record.offset, version },
        'confirm-queue record written by a newer relay: upgrade this relay. Finishing the requests before it, then stopping the partition there',
      )
      void executor.whenIdle().then(() => {
        if (!ctx.stopping.aborted) ctx.fail(error, record.offset)
      })
    }

    /**
     * MocaChain's own "No credential found" about a hash it returned less than notFoundGrace ago:
     * its status index may not have caught up with the issue call, so the hash is asked again.
     */
    function notFoundTooSoon(err: RelayError, request: ConfirmRequest): boolean {
      return err.code === 'MOCA_STATUS_NOT_FOUND' && now() - request.issuedAt < deps.notFoundGraceMs
    }

    async function poll(request: ConfirmRequest): Promise<PollResult> {
      const circuit = deps.circuitOf(request.route)
      /** What MocaChain last said, as CONFIRM_TIMEOUT names it. */
      let lastAnswer: string | null = null
      /** Why the last call got no answer, for a CONFIRM_TIMEOUT that never heard one. */
      let unanswered: string | null = null
      // The deadline counts from issuance, and time at an open circuit is taken off it, in this
      // worker's memory only. A credential that reaches a new owner (a restart, a rebalance, a
      // queue that lagged) past its deadline still gets polled for a while before it times out.
      const { deadlineMs } = deps.pollPolicy
      const window = Math.min(deadlineMs / 4, MIN_POLL_WINDOW_MS)
      const startedAt = Math.max(request.issuedAt, now() - (deadlineMs - window))
      const result = await runWithRetry<PollResult>(
        {
          policy: deps.pollPolicy,
          startedAt,
          firstDelayMs: request.issuedAt + deps.pollPolicy.initialDelayMs - now(),
          signal: ctx.stopping,
        },
        async (): Promise<AttemptResult<PollResult>> => {
          const waitStart = now()
          const permit = await permitUnlessStopped(circuit, ctx.stopping)
          if (permit === null) return { kind: 'done', value: { kind: 'abandoned' } }
          const started = now()
          // Time at an open circuit does not count toward confirm.deadline.
          const waitedMs = started - waitStart
          try {
            const status = await deps.moca.status(
              { coreClaimHash: request.coreClaimHash, email: request.email },
              { signal: ctx.signal },
            )
            permit.accepted()
            deps.metrics.mocaCall('status', 'ok', (now() - started) / 1000)
            // The server's text: quoted before it reaches a log line or a published message.
            const shown = printableText(status.vcStatus, MAX_STATUS_CHARS)
            if (status.coreClaimHash !== request.coreClaimHash) {
              // Says nothing about this credential, whatever its vcStatus: asked again, like any
              // answer we cannot use, and named by CONFIRM_TIMEOUT if it never changes.
              const about = `${shown} about another credential (coreClaimHash ${printableText(status.coreClaimHash, MAX_HASH_CHARS)})`
              if (about !== lastAnswer) {
                log.warn(
                  { coreClaimHash: request.coreClaimHash, answer: about },
                  'MocaChain answered the status call about another coreClaimHash; still polling',
                )
              }
              lastAnswer = about
              return { kind: 'again', last: status, waitedMs }
            }
            if (status.vcStatus === KnownVcStatus.ONCHAIN)
              return { kind: 'done', value: { kind: 'onchain', status } }
            if (status.vcStatus !== KnownVcStatus.WAIT_ONCHAIN && shown !== lastAnswer) {
              log.warn(
                { vcStatus: shown, coreClaimHash: request.coreClaimHash },
                'MocaChain reported an unknown vcStatus; still polling',
              )
            }
            lastAnswer = shown
            return { kind: 'again', last: status, waitedMs }
          } catch (err) {
            if (ctx.signal.aborted) {
              permit.unanswered()
              return { kind: 'done', value: { kind: 'abandoned' } }
            }
            if (!isRelayError(err)) {
              permit.unanswered()
              throw err
            }
            deps.metrics.mocaCall('status', err.code, (now() - started) / 1000)
            // An answer the relay cannot use is still what MocaChain last said (already sanitised
            // by the client); a call it never answered is named only when no answer ever came.
            if (isMocaFailure(err) && err.httpStatus !== null) lastAnswer = err.message
            else unanswered = err.message
            if (err.classification === 'systemic') {
              permit.rejected(err)
              return { kind: 'blocked', waitedMs: now() - waitStart }
            }
            permit.accepted()
            if (err.classification === 'terminal' && !notFoundTooSoon(err, request))
              // attempts: runWithRetry counts them; filled in once it returns
              return { kind: 'done', value: { kind: 'failed', error: err, attempts: 0 } }
            deps.metrics.retried('confirm', request.route, err.code)
            deps.failureWarnings.failed('status', request.route, err)
            return {
              kind: 'again',
              retryAfterMs: isMocaFailure(err) ? err.retryAfterMs : null,
              last: err,
              waitedMs,
            }
          }
        },
      )
      if (result.kind === 'done')
        return result.value.kind === 'failed'
          ? { ...result.value, attempts: result.attempts }
          : result.value
      if (result.kind === 'aborted') return { kind: 'abandoned' }
      return {
        kind: 'failed',
        attempts: result.attempts,
        error: new RelayError(
          'CONFIRM_TIMEOUT',
          `not ONCHAIN ${Math.round(deps.pollPolicy.deadlineMs / 1000)} s after issuance (last answer: ${lastAnswer ?? (unanswered === null ? 'none' : `none, ${unanswered}`)}, ${result.attempts} polls)`,
          { classification: 'terminal' },
        ),
      }
    }

    function ledgerRecord(key: string, entry: LedgerEntry): OutgoingRecord {
      return {
        topic: ctx.ledgerTopic,
        partition: ctx.partition,
        key,
        value: encodeLedgerEntry(entry),
      }
    }

    async function output(
      topic: string,
      event: OutputEvent,
      context: EventContext,
    ): Promise<OutgoingRecord> {
      const encoded = await deps.encoder.encode(event, context)
      return { topic, key: encoded.key, value: encoded.value, headers: encoded.headers }
    }

    return {
      process(record, slot) {
        // Held, not started: the partition's next owner reads it again.
        if (stopped) return
        const reading = readConfirmRequest(record.value)
        switch (reading.kind) {
          case 'request':
            executor.submit(reading.request.orderingKey, {
              request: reading.request,
              record,
              slot,
            })
            return
          case 'newer':
            stopAtNewer(record, reading.version)
            return
          case 'invalid':
            executor.submit(reading.salvaged.orderingKey ?? `@unreadable:${record.offset}`, {
              reason: reading.reason,
              salvaged: reading.salvaged,
              record,
              slot,
            })
            return
        }
      },
      whenIdle: () => executor.whenIdle(),
    }
  }
}

/**
 * A credential's key in the confirm ledger. One that a replay or redrive issued is another
 * credential than the one the live relay issued under the same key (a replay past ledger
 * retention issues again), and the old one's ONCHAIN or CONFIRM_FAILED must not settle it.
 */
function confirmLedgerKey(request: ConfirmRequest): string {
  const key = generationKey(request.idempotencyKey, request.generation)
  return request.run ? `${key}:${request.run}` : key
}

/**
 * Whether a confirm-ledger entry is about the request's credential. One idempotency key may name
 * two credentials: the same content on two input partitions is issued twice (the issue ledger
 * dedupes within a partition), and both requests may share a confirm-queue partition. An entry
 * or a request without a hash (written before entries kept it; a redrive whose ledger lost it)
 * is taken as the same, as it always was.
 */
function isSameCredential(prior: LedgerEntry, request: ConfirmRequest): boolean {
  return (
    prior.coreClaimHash === undefined ||
    request.coreClaimHash === '' ||
    prior.coreClaimHash === request.coreClaimHash
  )
}

/** Where a confirm-queue record is, as failure messages and log lines name it. */
function queueRecord(record: InputRecord): string {
  return `confirm-queue record ${record.topic}/${record.partition} offset ${record.offset}`
}

/**
 * The key of the events a confirm request leads to: the input record's, which the request's own
 * key is unless the input had none (ConfirmRequest `unkeyed`).
 */
function outputKey(record: InputRecord, unkeyed: true | null | undefined): Buffer | null {
  return unkeyed ? null : record.key
}
