import { describe, expect, it, vi } from 'vitest'
import type { IssueResponse } from '../../src/domain/moca-api.js'
import type { MocaClient } from '../../src/moca/moca-client.js'
import { createRouteCircuit, probePolicyOf } from '../../src/pipeline/circuit-breaker.js'
import { captureLogs } from '../support/capture-logs.js'
import { issueCall } from '../support/issue-call-harness.js'
import { mocaFailure } from '../support/moca-failure.js'
import { useFakeTimersFrom } from '../support/fake-timers.js'

/**
 * Was: every call in flight when MocaChain started refusing the partner JWT logged its own warn
 * "MocaChain refused the route; its circuit opens" (50 records gave 54 lines in 20 s; the worst
 * case is maxInFlight × partitions, 6,144 lines), while the circuit, which opens once, said
 * nothing itself.
 */
describe('a route circuit that opens under 50 calls in flight', () => {
  useFakeTimersFrom(Date.UTC(2025, 0, 1))

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
      issueCall(moca, circuit, running, i, {}, { logger: logs.logger }),
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
