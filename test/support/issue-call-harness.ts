/** One issue call (callIssue) of a numbered command, as the issue stage makes it, outside a partition. */
import type { IssuanceCommand } from '../../src/domain/issuance-command.js'
import { compileRetryPolicy } from '../../src/domain/retry-policy.js'
import type { LedgerPartition } from '../../src/ledger/ledger-partition.js'
import type { MocaClient } from '../../src/moca/moca-client.js'
import type { RouteCircuit } from '../../src/pipeline/circuit-breaker.js'
import { callIssue } from '../../src/pipeline/issue-call.js'
import { createMocaFailureWarnings } from '../../src/pipeline/moca-failure-warnings.js'
import { noopMetrics } from '../../src/pipeline/relay-metrics.js'
import type { Logger } from '../../src/ops/logger.js'
import { captureLogs } from './capture-logs.js'

/** The defaults (config/defaults.ts): retries 500 ms doubling to 30 s, deadline 10 min. */
const retryPolicy = compileRetryPolicy({
  initialDelayMs: 500,
  multiplier: 2,
  maxDelayMs: 30_000,
  deadlineMs: 600_000,
  jitter: 'full',
  maxRetryAfterMs: 60_000,
})

/** Record i of route kyc: key `key-<i>`, user `user<i>@example.com`, "revoke" on a duplicate. */
function issueCommand(i: number): IssuanceCommand {
  return {
    route: 'kyc',
    idempotencyKey: `key-${i}`,
    program: { issuerDid: 'did:air:issuer', credentialId: 'program-1' },
    email: `user${i}@example.com`,
    credentialSubject: { level: 1 },
    onDuplicate: 'revoke',
    orderingKey: `user${i}@example.com`,
    source: { topic: 'kyc.events', partition: 0, offset: String(i), eventId: null },
  } as IssuanceCommand
}

/** No credential issued before: the recovery rule never applies. */
const emptyLedger = { latestIssued: () => undefined } as unknown as LedgerPartition

/**
 * callIssue of command i through `circuit`, with the default retries and a 30 s uncertainty
 * window, cancelled by `signal`. `partition` gives the ledger (by default an empty one) and the
 * logger the call and its failure warnings write to (by default, one nobody reads).
 */
export function issueCall(
  moca: MocaClient,
  circuit: RouteCircuit,
  signal: AbortSignal,
  i: number,
  call: { generation?: number; recover?: boolean; replaces?: string } = {},
  partition: { ledger?: LedgerPartition; logger?: Logger } = {},
) {
  const logger = partition.logger ?? captureLogs('error').logger
  return callIssue(
    {
      moca,
      circuitOf: () => circuit,
      retryPolicy,
      metrics: noopMetrics,
      failureWarnings: createMocaFailureWarnings({ logger }),
      uncertaintyWindowMs: 30_000,
      now: () => Date.now(),
    },
    { ledger: partition.ledger ?? emptyLedger, stopping: signal, signal, logger },
    { command: issueCommand(i), generation: 0, recover: false, ...call },
  )
}
