import type { CompiledRoute } from '../domain/compile-routes.js'
import { toCommand } from '../domain/map-event.js'
import type { RetryPolicy } from '../domain/retry-policy.js'
import { RelayError } from '../errors/relay-error.js'
import { coordinatesOf, type InputRecord } from '../kafka/input-record.js'
import { offsetLedgerKey } from '../ledger/ledger-topics.js'
import { decodeWithRetry } from './decode-with-retry.js'
import type { LedgerPolicy } from './ledger-policy.js'
import { onTaskError, type CreatePartitionProcessor } from './partition-worker.js'
import type { EventDecoder } from './ports.js'
import type { RelayMetrics } from './relay-metrics.js'

export interface DryRunStageDeps {
  readonly decoder: EventDecoder
  readonly routes: readonly CompiledRoute[]
  /** The issue stage's: paces the waits while the schema registry is unavailable. */
  readonly retryPolicy: RetryPolicy
  readonly ledgerPolicy: LedgerPolicy
  /** Receives what would happen, as outcomes: issued, duplicate, failed (code), skipped (reason). */
  readonly metrics: RelayMetrics
  /** Redrive: only these records (`topic/partition/offset`). */
  readonly only?: ReadonlySet<string>
  /** @default Date.now */
  readonly now?: () => number
}

/**
 * What a run would do, without doing it: each record is decoded, mapped and checked against the
 * restored ledger exactly as the issue stage would, then left alone — no MocaChain call, no
 * output, no ledger write. Its stage runner runs dry too (`StageRunnerDeps.dryRun`): the slots it
 * completes move a watermark kept in memory, not a consumer group's offsets.
 */
export function createDryRunStage(deps: DryRunStageDeps): CreatePartitionProcessor {
  const decodeDeps = {
    decoder: deps.decoder,
    retryPolicy: deps.retryPolicy,
    now: deps.now ?? Date.now,
  }
  return (ctx) => {
    /** Keys this dry run already counted as "would issue": a second occurrence would be a skip. */
    const wouldIssue = new Set<string>()
    let admission: Promise<void> = Promise.resolve()

    /**
     * False: the partition stopped before the record could be decoded (while the registry was
     * unavailable); its slot stays open for whoever reads it next, as in the issue stage.
     */
    async function judge(record: InputRecord): Promise<boolean> {
      if (deps.only && !deps.only.has(`${record.topic}/${record.partition}/${record.offset}`))
        return true
      const event = await decodeWithRetry(decodeDeps, ctx, record)
      if (event === null) return false
      const outcome =
        event instanceof RelayError
          ? { kind: 'failed' as const, route: null, error: event }
          : await toCommand(event, coordinatesOf(record), deps.routes)
      switch (outcome.kind) {
        case 'skipped':
          deps.metrics.outcome('issue', outcome.route ?? '(none)', 'skipped', outcome.reason)
          return true
        case 'failed': {
          const prior = ctx.ledger.get(offsetLedgerKey(record.offset))
          if (prior && deps.ledgerPolicy.decide(prior).action === 'skip') {
            deps.metrics.outcome('issue', outcome.route?.name ?? '(none)', 'duplicate')
          } else {
            deps.metrics.outcome(
              'issue',
              outcome.route?.name ?? '(none)',
              'failed',
              outcome.error.code,
            )
          }
          return true
        }
        case 'command': {
          const key = outcome.command.idempotencyKey
          const decision = deps.ledgerPolicy.decide(ctx.ledger.get(key), outcome.command.source)
          if (decision.action === 'reconfirm') {
            deps.metrics.outcome('issue', outcome.command.route, 'reconfirmed')
          } else if (decision.action === 'forgotten') {
            deps.metrics.outcome('issue', outcome.command.route, 'forgotten')
          } else if (decision.action === 'skip' || wouldIssue.has(key)) {
            deps.metrics.outcome('issue', outcome.command.route, 'duplicate')
          } else {
            wouldIssue.add(key)
            deps.metrics.outcome(
              'issue',
              outcome.command.route,
              'issued',
              decision.action === 'issue' && decision.recover ? 'recover' : undefined,
            )
          }
          return true
        }
      }
    }

    return {
      process(record, slot) {
        admission = admission
          .then(async () => {
            // A stopping partition judges nothing more: whoever reads these records next does.
            if (ctx.stopping.aborted) return
            if (await judge(record)) void ctx.batcher.stage([], slot)
          })
          // A bug leaves the slot unstaged: the watermark stops before the record, and the
          // rebuilt partition judges it again (staged, it would be passed over and never counted).
          .catch((err: unknown) => onTaskError(ctx, err, slot.offset))
      },
      whenIdle: () => admission,
    }
  }
}
