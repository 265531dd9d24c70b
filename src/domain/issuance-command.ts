import type { OnDuplicate } from './moca-api.js'

/** Where an input record came from; travels in every output event and ledger entry. */
export interface SourceRef {
  readonly topic: string
  readonly partition: number
  /** Kafka offsets are 64-bit: kept as decimal strings. */
  readonly offset: string
  /** The upstream event id (CloudEvents `id`, or the route's eventId field), when known. */
  readonly eventId: string | null
}

export interface ProgramRef {
  readonly issuerDid: string
  /** The Issuance Program id (MocaChain calls it credentialId). */
  readonly credentialId: string
}

/** One credential to issue, computed from one input record by a route. */
export interface IssuanceCommand {
  readonly route: string
  readonly idempotencyKey: string
  readonly program: ProgramRef
  /** Target user; travels only inside the partner JWT, never in the request body. */
  readonly email: string
  readonly credentialSubject: Readonly<Record<string, unknown>>
  /** What the first call asks MocaChain to do with an existing credential. */
  readonly onDuplicate: OnDuplicate
  /** Commands with the same ordering key run one at a time, in offset order. */
  readonly orderingKey: string
  readonly source: SourceRef
}
