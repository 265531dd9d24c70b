/**
 * What the pipeline reports. ops/ implements it with prom-client; tests pass the no-op. Business
 * code calls these unconditionally: there is always a metrics object.
 */
export type StageName = 'issue' | 'confirm'

/**
 * What became of a record. `blocked` is no end: the record stops its partition (a systemic
 * error, with its code), counted each time the partition reads it. `forgotten`: a redrive's
 * re-poll found no ledger entry for the key, so there was no credential to poll again.
 */
export type Outcome =
  | 'issued'
  | 'onchain'
  | 'failed'
  | 'skipped'
  | 'duplicate'
  | 'reconfirmed'
  | 'forgotten'
  | 'blocked'

export interface RelayMetrics {
  consumed(stage: StageName, topic: string, count: number): void
  outcome(stage: StageName, route: string, outcome: Outcome, code?: string): void
  retried(stage: StageName, route: string, code: string): void
  mocaCall(operation: 'issue' | 'status', result: string, seconds: number): void
  inFlight(stage: StageName, topic: string, partition: number, value: number): void
  committed(stage: StageName, records: number): void
  circuit(route: string, open: boolean): void
  lag(stage: StageName, topic: string, partition: number, lag: number): void
  /**
   * The partition left this process (revoked, or its stage stopped): its per-partition gauges
   * go, or they would stay frozen next to the new owner's and be counted twice.
   */
  partitionReleased(stage: StageName, topic: string, partition: number): void
}

export const noopMetrics: RelayMetrics = {
  consumed: () => undefined,
  outcome: () => undefined,
  retried: () => undefined,
  mocaCall: () => undefined,
  inFlight: () => undefined,
  committed: () => undefined,
  circuit: () => undefined,
  lag: () => undefined,
  partitionReleased: () => undefined,
}
