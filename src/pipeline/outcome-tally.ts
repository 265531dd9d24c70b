import { noopMetrics, type Outcome, type RelayMetrics, type StageName } from './relay-metrics.js'

/** Counts of a run's outcomes, for progress lines and the final summary of a CLI command. */
export interface OutcomeTally extends RelayMetrics {
  /** Records the stage finished (every outcome, skips included). */
  readonly done: number
  count(outcome: Outcome): number
  /** Failures (and skips) by code or reason. */
  byCode(outcome: Outcome): ReadonlyMap<string, number>
}

export function createOutcomeTally(stage: StageName = 'issue'): OutcomeTally {
  const counts = new Map<Outcome, number>()
  const codes = new Map<Outcome, Map<string, number>>()
  let done = 0
  return {
    ...noopMetrics,
    outcome(outcomeStage, _route, outcome, code) {
      if (outcomeStage !== stage) return
      if (outcome !== 'blocked') done++
      counts.set(outcome, (counts.get(outcome) ?? 0) + 1)
      if (code !== undefined) {
        const byCode = codes.get(outcome) ?? new Map<string, number>()
        byCode.set(code, (byCode.get(code) ?? 0) + 1)
        codes.set(outcome, byCode)
      }
    },
    get done() {
      return done
    },
    count: (outcome) => counts.get(outcome) ?? 0,
    byCode: (outcome) => codes.get(outcome) ?? new Map(),
  }
}

/** Every call goes to each of the given metrics. */
export function combineMetrics(...all: readonly RelayMetrics[]): RelayMetrics {
  return {
    consumed: (...a) => all.forEach((m) => m.consumed(...a)),
    outcome: (...a) => all.forEach((m) => m.outcome(...a)),
    retried: (...a) => all.forEach((m) => m.retried(...a)),
    mocaCall: (...a) => all.forEach((m) => m.mocaCall(...a)),
    inFlight: (...a) => all.forEach((m) => m.inFlight(...a)),
    committed: (...a) => all.forEach((m) => m.committed(...a)),
    circuit: (...a) => all.forEach((m) => m.circuit(...a)),
    lag: (...a) => all.forEach((m) => m.lag(...a)),
    partitionReleased: (...a) => all.forEach((m) => m.partitionReleased(...a)),
  }
}
