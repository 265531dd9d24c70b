import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { IssueResponse } from '../../src/domain/moca-api.js'
import { compileRetryPolicy } from '../../src/domain/retry-policy.js'
import type { LedgerPartition } from '../../src/ledger/ledger-partition.js'
import type { MocaClient } from '../../src/moca/moca-client.js'
import { createRouteCircuit, probePolicyOf } from '../../src/pipeline/circuit-breaker.js'
import { callIssue } from '../../src/pipeline/issue-call.js'
import type { IssuanceCommand } from '../../src/domain/issuance-command.js'
import { createMocaFailureWarnings } from '../../src/pipeline/moca-failure-warnings.js'
import { noopMetrics } from '../../src/pipeline/relay-metrics.js'
import { captureLogs } from '../support/capture-logs.js'
import { mocaFailure } from '../support/moca-failure.js'

/**
 * Was: every call in flight when MocaChain started refusing the partner JWT logged its own warn
 * "MocaChain refused the route; its circuit opens" (50 records gave 54 lines in 20 s; the worst
 * case is maxInFlight × partitions, 6,144 lines), while the circuit, which opens once, said
 * nothing itself.
 */
const retryPolicy = compileRetryPolicy({
  initialDelayMs: 500,
  multiplier: 2,
  maxDelayMs: 30_000,
  deadlineMs: 600_000,
  jitter: 'full',
  maxRetryAfterMs: 60_000,
})

function command(i: number): IssuanceCommand {
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

describe('a route circuit that opens under 50 calls in flight', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.UTC(2025, 0, 1) })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('is logged once when it opens (route, code, message) and once when it closes', async () => {
    const logs = captureLogs('info')
    const outageEnds = Date.now() + 20_000
    // every call waits 100 ms for its answer: all 50 are out when the first refusal comes
    const moca: MocaClient = {
      issue: async (call) => {
        await new Promise((resolve) => setTimeout(resolve, 100))
        if (Date.now() < outageEnds)
          throw mocaFailure('issue', 'MOCA_UNAUTHORIZED', 'systemic', 401)
        return { coreClaimHash: `hash-${call.idempotencyKey}` } as IssueResponse
      },
      status: () => Promise.reject(new Error('not called here')),
      close: async () => undefined,
    }
    const circuit = createRouteCircuit({
      route: 'kyc',
      probePolicy: probePolicyOf({ initialDelayMs: 1000, maxDelayMs: 30_000 }),
      onChange: () => undefined,
      logger: logs.logger,
    })
    const running = new AbortController().signal
    const calls = Array.from({ length: 50 }, (_, i) =>
      callIssue(
        {
          moca,
          circuitOf: () => circuit,
          retryPolicy,
          metrics: noopMetrics,
          failureWarnings: createMocaFailureWarnings({ logger: logs.logger }),
          uncertaintyWindowMs: 30_000,
          now: () => Date.now(),
        },
        {
          ledger: { latestIssued: () => undefined } as unknown as LedgerPartition,
          stopping: running,
          signal: running,
          logger: logs.logger,
        },
        { command: command(i), generation: 0, recover: false },
      ),
    )
    await vi.advanceTimersByTimeAsync(60_000)
    const outcomes = await Promise.all(calls)
    expect(outcomes.every((o) => o.kind === 'issued')).toBe(true)

    const warned = logs.lines.filter((l) => l.level === 'warn')
    expect(warned).toEqual([
      expect.objectContaining({
        route: 'kyc',
        err: expect.objectContaining({
          code: 'MOCA_UNAUTHORIZED',
          message: 'MocaChain answered 401',
        }) as unknown,
        msg: expect.stringContaining('circuit opens') as unknown,
      }),
    ])
    const closed = logs.lines.filter((l) => String(l.msg).includes('circuit closes'))
    expect(closed).toEqual([expect.objectContaining({ level: 'info', route: 'kyc' })])
  })
})
