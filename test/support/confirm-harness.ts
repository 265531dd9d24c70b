/**
 * One confirm-queue partition run by the real PartitionWorker, batcher, circuit and confirm stage,
 * with MocaChain's status answers scripted per poll (by time since issuedAt) and every transaction
 * recorded. A partition failure is thrown, so a test fails on one it did not expect.
 */
import type { StatusResponse } from '../../src/domain/moca-api.js'
import type { OutputEvent } from '../../src/domain/output-events.js'
import { compileRetryPolicy } from '../../src/domain/retry-policy.js'
import type { OffsetCommit, OutgoingRecord } from '../../src/kafka/partition-transactions.js'
import { decodeLedgerEntry, type LedgerEntry } from '../../src/ledger/ledger-entry.js'
import type { MocaClient } from '../../src/moca/moca-client.js'
import { createRouteCircuit, probePolicyOf } from '../../src/pipeline/circuit-breaker.js'
import type { ConfirmRequest } from '../../src/pipeline/confirm-request.js'
import { createConfirmStage } from '../../src/pipeline/confirm-stage.js'
import {
  createMocaFailureWarnings,
  type MocaFailureWarnings,
} from '../../src/pipeline/moca-failure-warnings.js'
import type { CreatePartitionProcessor } from '../../src/pipeline/partition-worker.js'
import type { EncodedEvent } from '../../src/pipeline/ports.js'
import { noopMetrics, type RelayMetrics } from '../../src/pipeline/relay-metrics.js'
import { captureLogs } from './capture-logs.js'
import { jsonEncoder } from './json-codec.js'
import { testPartitionWorker } from './test-partition-worker.js'

export const ISSUED_AT = Date.UTC(2025, 0, 1)
export const EMAIL = 'Alice.Holder@example.com'
export const TOPICS = { onchain: 'credential.onchain', failed: 'credential.failed' }
export const LEDGER_TOPIC = 'relay.confirm-ledger'

/** 1 s, doubling to 4 s, deadline 20 s after issuedAt: polls at +1, +2, +4, +8, +12, +16, +20 s. */
export const pollPolicy = compileRetryPolicy({
  initialDelayMs: 1000,
  multiplier: 2,
  maxDelayMs: 4000,
  deadlineMs: 20_000,
  jitter: 'none',
  maxRetryAfterMs: 0,
})
const probePolicy = probePolicyOf({ initialDelayMs: 1000, maxDelayMs: 30_000 })

export function confirmRequest(overrides: Partial<ConfirmRequest> = {}): ConfirmRequest {
  return {
    v: 1,
    idempotencyKey: 'key-1',
    generation: 0,
    route: 'kyc',
    program: { issuerDid: 'did:air:issuer', credentialId: 'program-1' },
    email: EMAIL,
    orderingKey: EMAIL.toLowerCase(),
    coreClaimHash: 'hash-1',
    userUuid: 'user-1',
    issuedAt: ISSUED_AT,
    source: { topic: 'kyc.events', partition: 0, offset: '7', eventId: null },
    traceparent: null,
    ...overrides,
  }
}

export const answer = (vcStatus: string, coreClaimHash = 'hash-1'): StatusResponse => ({
  coreClaimHash,
  vcStatus,
})

type Encode = (event: OutputEvent, context: { key: Buffer | null }) => Promise<EncodedEvent>

/**
 * The confirm stage as the harnesses run it: one circuit (route "kyc") for every request,
 * `pollPolicy`, `TOPICS`, and events encoded as JSON unless `encode` says otherwise.
 */
export function testConfirmStage(
  moca: MocaClient,
  options: {
    encode?: Encode
    metrics?: RelayMetrics
    failureWarnings?: MocaFailureWarnings
    /** @default 0: the first "No credential found" is final */
    notFoundGraceMs?: number
  } = {},
): CreatePartitionProcessor {
  const circuit = createRouteCircuit({ route: 'kyc', probePolicy, onChange: () => undefined })
  return createConfirmStage({
    encoder: options.encode ? { encode: options.encode } : jsonEncoder,
    moca,
    circuitOf: () => circuit,
    pollPolicy,
    notFoundGraceMs: options.notFoundGraceMs ?? 0,
    topics: TOPICS,
    run: null,
    metrics: options.metrics ?? noopMetrics,
    failureWarnings:
      options.failureWarnings ?? createMocaFailureWarnings({ logger: captureLogs('error').logger }),
  })
}

export function confirmPartition(
  statusAt: (msSinceIssued: number, coreClaimHash: string) => StatusResponse | Error,
  options: {
    encode?: Encode
    /** A partition failure the test expects; without it, one is thrown. */
    onFatal?: (err: unknown) => void
    metrics?: RelayMetrics
    notFoundGraceMs?: number
  } = {},
) {
  const polls: { msSinceIssued: number; email: string }[] = []
  const commits: { records: OutgoingRecord[]; offset: OffsetCommit | null }[] = []
  const logs = captureLogs()
  const moca: MocaClient = {
    issue: () => Promise.reject(new Error('the confirm stage never issues')),
    async status(call) {
      const msSinceIssued = Date.now() - ISSUED_AT
      polls.push({ msSinceIssued, email: call.email })
      const result = statusAt(msSinceIssued, call.coreClaimHash)
      if (result instanceof Error) throw result
      return result
    },
    close: async () => undefined,
  }
  const worker = testPartitionWorker({
    stage: 'confirm',
    topic: 'relay.confirm-queue',
    ledgerTopic: LEDGER_TOPIC,
    async commit(records, offset) {
      commits.push({ records: [...records], offset })
    },
    createProcessor: testConfirmStage(moca, {
      ...options,
      // The relay's warnings go to its own logger; here they join the partition's lines.
      failureWarnings: createMocaFailureWarnings({ logger: logs.logger }),
    }),
    logger: logs.logger,
    onFatal: options.onFatal,
  })
  let nextOffset = 0
  const written = (topic: string) =>
    commits.flatMap((c) => c.records).filter((r) => r.topic === topic)
  return {
    polls,
    commits,
    /** What the partition logged, parsed. */
    logLines: logs.lines,
    worker,
    deliver(value: Buffer | null) {
      worker.admit({
        topic: 'relay.confirm-queue',
        partition: 0,
        offset: String(nextOffset++),
        key: Buffer.from('record-key'),
        value,
        headers: {},
        timestamp: String(Date.now()),
      })
    },
    /** The next owner restores the ledger from what another partition committed. */
    restoreFrom(other: { commits: { records: OutgoingRecord[] }[] }) {
      for (const record of other.commits.flatMap((c) => c.records)) {
        if (record.topic === LEDGER_TOPIC)
          worker.ledger.applyRecord(String(record.key), record.value)
      }
    },
    events: (topic: string) =>
      written(topic).map((r) => JSON.parse(r.value!.toString('utf8')) as Record<string, unknown>),
    ledgerEntries: (): LedgerEntry[] =>
      written(LEDGER_TOPIC).map((r) => decodeLedgerEntry(r.value!) as LedgerEntry),
    committedOffset: () => commits.findLast((c) => c.offset !== null)?.offset?.offset ?? null,
  }
}
