import type { CompiledRoute } from '../domain/compile-routes.js'
import { toCommand } from '../domain/map-event.js'
import { isRelayError } from '../errors/relay-error.js'
import { coordinatesOf } from '../kafka/input-record.js'
import { offsetLedgerKey } from '../ledger/ledger-topics.js'
import type { LedgerPolicy } from './ledger-policy.js'
import { onTaskError, type CreatePartitionProcessor } from './partition-worker.js'
import type { EventDecoder } from './ports.js'
import type { RelayMetrics } from './relay-metrics.js'

export interface DryRunStageDeps {
  readonly decoder: EventDecoder
  readonly routes: readonly CompiledRoute[]
  readonly ledgerPolicy: LedgerPolicy
  /** Receives what would happen, as outcomes: issued, duplicate, failed (code), skipped (reason). */
  readonly metrics: RelayMetrics
  /** Redrive: only these records (`topic/partition/offset`). */
  readonly only?: ReadonlySet<string>
}

/**
 * What a run would do, without doing it: each record is decoded, mapped and checked against the
 * restored ledger exactly as the issue stage would, then left alone — no MocaChain call, no
 * output, no ledger write. Its stage runner runs dry too (`StageRunnerDeps.dryRun`): the slots it
 * completes move a watermark kept in memory, not a consumer group's offsets.
 */
export function createDryRunStage(deps: DryRunStageDeps): CreatePartitionProcessor {
  return (ctx) => {
    /** Keys this dry run already counted as "would issue": a second occurrence would be a skip. */
    const wouldIssue = new Set<string>()
    let admission: Promise<void> = Promise.resolve()

    async function judge(
      record: Parameters<ReturnType<CreatePartitionProcessor>['process']>[0],
    ): Promise<void> {
      if (deps.only && !deps.only.has(`${record.topic}/${record.partition}/${record.offset}`))
        return
      let outcome
      try {
        const event = await deps.decoder.decode(record)
        outcome = await toCommand(event, coordinatesOf(record), deps.routes)
      } catch (err) {
        if (!isRelayError(err)) throw err
        outcome = { kind: 'failed' as const, route: null, error: err }
      }
      switch (outcome.kind) {
        case 'skipped':
          deps.metrics.outcome('issue', outcome.route ?? '(none)', 'skipped', outcome.reason)
          return
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
          return
        }
        case 'command': {
          const key = outcome.command.idempotencyKey
          const decision = deps.ledgerPolicy.decide(ctx.ledger.get(key))
          if (decision.action === 'reconfirm') {
            deps.metrics.outcome('issue', outcome.command.route, 'reconfirmed')
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
        }
      }
    }

    return {
      process(record, slot) {
        admission = admission
          .then(async () => {
            // A stopping partition judges nothing more: whoever reads these records next does.
            if (ctx.stopping.aborted) return
            await judge(record)
            void ctx.batcher.stage([], slot)
          })
          // A bug leaves the slot unstaged: the watermark stops before the record, and the
          // rebuilt partition judges it again (staged, it would be passed over and never counted).
          .catch((err: unknown) => onTaskError(ctx, err, slot.offset))
      },
      whenIdle: () => admission,
    }
  }
}
