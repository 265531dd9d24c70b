import type { SourceRef } from '../domain/issuance-command.js'
import { LedgerState, type LedgerEntry } from '../ledger/ledger-entry.js'

/** What the issue stage does with one command, given what the ledger knows about its key. */
export type LedgerDecision =
  | { readonly action: 'skip' }
  /** Call MocaChain. `recover`: a call for this generation may already have been applied. */
  | { readonly action: 'issue'; readonly generation: number; readonly recover: boolean }
  /** Issued already: queue a fresh confirmation for it (a redrive of CONFIRM_TIMEOUT). */
  | { readonly action: 'reconfirm' }
  /**
   * A re-poll of a key the ledger holds no entry for (retention or compaction deleted it): there
   * is no credential to poll. Nothing is written; unlike a skip, the run reports it.
   */
  | { readonly action: 'forgotten' }

/**
 * The ledger rules of a run. The live pipeline and a plain replay never issue a key twice; a
 * redrive retries keys that failed; a reissue run issues every key once more, as a new generation.
 */
export interface LedgerPolicy {
  /** Written into ledger entries: which run wrote them (null: the live pipeline). */
  readonly run: string | null
  /** `source`: the input record the command came from. */
  decide(prior: LedgerEntry | undefined, source?: SourceRef): LedgerDecision
}

export const livePolicy: LedgerPolicy = {
  run: null,
  decide(prior) {
    if (!prior) return { action: 'issue', generation: 0, recover: false }
    if (prior.state === LedgerState.intent)
      return { action: 'issue', generation: prior.generation, recover: true }
    return { action: 'skip' }
  },
}

/** Replays that reprocess without `--reissue` follow the live rules under their own run id. */
export function replayPolicy(run: string): LedgerPolicy {
  return { run, decide: livePolicy.decide }
}

/**
 * `--reissue`: one new generation per key in this run; resuming the run continues it. An intent
 * another run left (one this run fenced, or that crashed) is recovered first: its call may be
 * under way, and a new generation's "revoke" beside it would replace the user's credential twice.
 */
export function reissuePolicy(run: string): LedgerPolicy {
  return {
    run,
    decide(prior) {
      if (prior && (prior.run === run || prior.state === LedgerState.intent))
        return livePolicy.decide(prior)
      return { action: 'issue', generation: prior ? prior.generation + 1 : 0, recover: false }
    },
  }
}

/**
 * Redrive: a key that failed is tried again, with "ignore" if an earlier attempt may have landed.
 * What this run itself already decided is final, so a redrive that crashed resumes.
 */
export function redrivePolicy(run: string): LedgerPolicy {
  return {
    run,
    decide(prior) {
      if (prior?.state === LedgerState.failed && prior.run !== run) {
        return { action: 'issue', generation: prior.generation, recover: prior.uncertain === true }
      }
      return livePolicy.decide(prior)
    },
  }
}

/**
 * Redrive of confirm-stage failures: issued credentials get a new confirmation, nothing else.
 * `failed` names, per input record (`topic/partition/offset`), the coreClaimHash of each
 * credential whose confirmation failed (null when the failure did not carry one). A record whose
 * credential was replaced since (a reissue, a replay) is skipped: the credential the ledger holds
 * now is not the one that failed, and its own confirmation may long be published; queueing it
 * again would publish its credential.onchain a second time.
 */
export function reconfirmPolicy(
  run: string,
  failed: ReadonlyMap<string, ReadonlySet<string | null>> = new Map(),
): LedgerPolicy {
  return {
    run,
    decide(prior, source) {
      if (prior === undefined) return { action: 'forgotten' }
      if (prior.state !== LedgerState.issued) return { action: 'skip' }
      const hashes = source && failed.get(`${source.topic}/${source.partition}/${source.offset}`)
      if (hashes && !hashes.has(null) && !hashes.has(prior.coreClaimHash ?? null))
        return { action: 'skip' }
      return { action: 'reconfirm' }
    },
  }
}
