import { generationKey, holderKey } from '../domain/idempotency-key.js'
import type { IssuanceCommand } from '../domain/issuance-command.js'
import { maskEmailsIn } from '../domain/mask-email.js'
import type { IssueResponse, OnDuplicate } from '../domain/moca-api.js'
import type { RetryPolicy } from '../domain/retry-policy.js'
import { isRelayError, RelayError } from '../errors/relay-error.js'
import type { LedgerPartition } from '../ledger/ledger-partition.js'
import type { MocaClient } from '../moca/moca-client.js'
import type { Logger } from '../ops/logger.js'
import { permitUnlessStopped, type RouteCircuit } from './circuit-breaker.js'
import type { MocaFailureWarnings } from './moca-failure-warnings.js'
import { isMocaFailure, type MocaFailure } from './ports.js'
import type { RelayMetrics } from './relay-metrics.js'
import { runWithRetry, sleep, type AttemptResult } from './retry-engine.js'

export type CallOutcome =
  | {
      readonly kind: 'issued'
      readonly response: IssueResponse
      readonly onDuplicate: OnDuplicate
      readonly attempts: number
    }
  | {
      readonly kind: 'failed'
      readonly error: RelayError
      /** An attempt may have been applied: a redrive must ask with "ignore". */
      readonly uncertain: boolean
      readonly attempts: number
    }
  /** The partition is going away: no outcome to stage. */
  | { readonly kind: 'abandoned' }

export interface IssueCallDeps {
  readonly moca: MocaClient
  readonly circuitOf: (route: string) => RouteCircuit
  readonly retryPolicy: RetryPolicy
  readonly metrics: RelayMetrics
  /** Tells the operator, rate-limited, that calls fail and are retried. */
  readonly failureWarnings: MocaFailureWarnings
  /** See IssueStageDeps.uncertaintyWindowMs. */
  readonly uncertaintyWindowMs: number
  readonly now: () => number
}

export interface IssueCallContext {
  readonly ledger: LedgerPartition
  /** Stop waiting (retries, the circuit). */
  readonly stopping: AbortSignal
  /** Cancel the call under way too. */
  readonly signal: AbortSignal
  readonly logger: Logger
}

/**
 * Calls issue-on-behalf for one command until it succeeds, fails for good, or the partition goes
 * away — the rules that keep MocaChain from acting on two "revoke" calls for one key:
 * - a call refused before any work (408, 429, connect errors) is asked again as it was;
 * - after an uncertain outcome (any 5xx, a timeout or reset after sending), every later attempt
 *   asks with onDuplicate "ignore", and after a call MocaChain may still be working on (no answer
 *   at all, or a gateway's 502/503/504/52x or a 5xx without MocaChain's own error body), not
 *   before that call could have landed (the uncertainty window): an earlier "ignore" could find
 *   the user's previous credential and send "revoke" again while the first one is still to land;
 * - an "ignore" that returns the user's previous credential proves the uncertain call never took
 *   effect, so the next attempt asks with the route's onDuplicate again;
 * - time spent waiting at the route's circuit (systemic errors) never counts toward the deadline.
 *
 * Not async: a call in flight holds no suspended frame here (memory per in-flight issuance is a
 * benchmark figure), only the continuation that reads the engine's result.
 */
export function callIssue(
  deps: IssueCallDeps,
  ctx: IssueCallContext,
  call: {
    readonly command: IssuanceCommand
    readonly generation: number
    readonly recover: boolean
    /** A reissue: the credential of the generation before it (LedgerEntry.replaces). */
    readonly replaces?: string
  },
): Promise<CallOutcome> {
  const { command, generation } = call
  const { now } = deps
  const log = ctx.logger
  const circuit = deps.circuitOf(command.route)
  // Once an attempt may have been applied, every later attempt asks for the existing credential.
  let uncertain = call.recover
  let lastOnDuplicate: OnDuplicate = command.onDuplicate
  /** After a call MocaChain may still apply: no "ignore" before it can have landed. */
  let notBefore = 0
  return runWithRetry<CallOutcome>(
    { policy: deps.retryPolicy, startedAt: now(), signal: ctx.stopping },
    async (attemptNumber): Promise<AttemptResult<CallOutcome>> => {
      if (notBefore > now() && !(await sleep(notBefore - now(), ctx.stopping))) {
        return { kind: 'done', value: { kind: 'abandoned' } }
      }
      const waitStart = now()
      const permit = await permitUnlessStopped(circuit, ctx.stopping)
      if (permit === null) return { kind: 'done', value: { kind: 'abandoned' } }
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
          isPreviousCredential(ctx.ledger, call, response.coreClaimHash)
        ) {
          // MocaChain keys duplicates on user + program, not content: "ignore" answered with the
          // credential of this user's previous issuance. So the uncertain call never took effect,
          // and asking again with "revoke" is not a second revoke MocaChain acted on.
          log.info(
            { idempotencyKey: command.idempotencyKey, attempt: attemptNumber },
            'recovery found the previous credential: the interrupted call never took effect; issuing now',
          )
          uncertain = false
          return {
            kind: 'again',
            retryAfterMs: 0,
            waitedMs: waited,
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
          permit.unanswered()
          return { kind: 'done', value: { kind: 'abandoned' } }
        }
        const err = asMocaFailure(thrown)
        if (!err) {
          permit.unanswered()
          throw thrown
        }
        deps.metrics.mocaCall('issue', err.code, (now() - started) / 1000)
        if (err.classification === 'systemic') {
          // The circuit tells the operator, once: every call in flight meets the same refusal.
          permit.rejected(err)
          return { kind: 'blocked', waitedMs: waited + (now() - started) }
        }
        permit.accepted()
        if (err.uncertain) uncertain = true
        // No answer, or a gateway's: MocaChain may still be working on it and land it later.
        if (err.mayLandLater) notBefore = started + deps.uncertaintyWindowMs
        if (err.classification === 'terminal') {
          return {
            kind: 'done',
            value: { kind: 'failed', error: err, uncertain, attempts: attemptNumber },
          }
        }
        deps.metrics.retried('issue', command.route, err.code)
        deps.failureWarnings.failed('issue', command.route, err)
        if (log.isLevelEnabled('debug')) {
          log.debug(
            {
              err: summarizeError(err),
              attempt: attemptNumber,
              idempotencyKey: command.idempotencyKey,
            },
            'issue attempt failed; retrying',
          )
        }
        return { kind: 'again', retryAfterMs: err.retryAfterMs, last: err, waitedMs: waited }
      }
    },
  ).then((result): CallOutcome => {
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
  })
}

/**
 * The credential this call's issuance replaces: the one a reissue's earlier generation issued, or
 * the newest one this ledger issued into the user's slot under another key.
 */
function isPreviousCredential(
  ledger: LedgerPartition,
  call: { readonly command: IssuanceCommand; readonly replaces?: string },
  coreClaimHash: string,
): boolean {
  const { command } = call
  if (call.replaces !== undefined && call.replaces === coreClaimHash) return true
  const previous = ledger.latestIssued(holderKey(command.program, command.email))
  return (
    previous !== undefined &&
    previous.key !== command.idempotencyKey &&
    previous.coreClaimHash === coreClaimHash
  )
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
    mayLandLater: false,
    retryAfterMs: null,
  })
}

/** What goes into a log line about an error: never headers or bodies with secrets. */
export function summarizeError(err: RelayError): Record<string, unknown> {
  return {
    code: err.code,
    message: maskEmailsIn(err.message),
    httpStatus: isMocaFailure(err) ? err.httpStatus : undefined,
    uncertain: isMocaFailure(err) ? err.uncertain : undefined,
    mayLandLater: isMocaFailure(err) ? err.mayLandLater : undefined,
  }
}
