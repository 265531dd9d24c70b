import { describe, expect, it, vi } from 'vitest'
import { compileRetryPolicy } from '../../src/domain/retry-policy.js'
import { classifyNetworkError } from '../../src/moca/classify-network-error.js'
import type { MocaClient } from '../../src/moca/moca-client.js'
import { encodeConfirmRequest } from '../../src/pipeline/confirm-request.js'
import { createMocaFailureWarnings } from '../../src/pipeline/moca-failure-warnings.js'
import { captureLogs } from '../support/capture-logs.js'
import { confirmPartition, confirmRequest, ISSUED_AT } from '../support/confirm-harness.js'
import { issuePartition } from '../support/issue-harness.js'
import { useFakeTimersFrom } from '../support/fake-timers.js'

/**
 * Was: with MocaChain unreachable (MOCA_BASE_URL=http://127.0.0.1:1/v1) the relay retried for the
 * whole deadline without a single line at info or warn (retryable failures were logged at debug),
 * then wrote one info "issuance failed" per record carrying only MOCA_RETRIES_EXHAUSTED: neither
 * ECONNREFUSED nor the address appeared anywhere, and at LOG_LEVEL=warn the operator saw nothing.
 */

/** What the real client throws when nothing listens at the address. */
const refused = (operation: 'issue' | 'status') => {
  const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
    code: 'ECONNREFUSED',
  })
  return classifyNetworkError({ error: err, written: false, aborted: false }, operation)
}

const warnings = (lines: Record<string, unknown>[]) => lines.filter((l) => l.level === 'warn')

/** 100 ms doubling to 400 ms, deadline 5 s: about 15 attempts per record. */
const retryPolicy = compileRetryPolicy({
  initialDelayMs: 100,
  multiplier: 2,
  maxDelayMs: 400,
  deadlineMs: 5_000,
  jitter: 'none',
  maxRetryAfterMs: 0,
})

const unreachable: MocaClient = {
  issue: () => Promise.reject(refused('issue')),
  status: () => Promise.reject(refused('status')),
  close: async () => undefined,
}

describe('a MocaChain outage is told to the operator', () => {
  useFakeTimersFrom(ISSUED_AT)

  it('issue calls: one warning with the cause at LOG_LEVEL=warn, not one per failed call', async () => {
    const p = issuePartition(unreachable, { retryPolicy, level: 'warn' })
    for (let i = 0; i < 30; i++) p.deliver({ email: `user${i}@example.com`, level: i })
    await vi.advanceTimersByTimeAsync(4_000)

    expect(p.calls()).toBeGreaterThan(100)
    expect(warnings(p.logLines)).toEqual([
      expect.objectContaining({
        call: 'issue',
        route: 'kyc',
        failures: 1,
        err: expect.objectContaining({
          code: 'MOCA_UNAVAILABLE',
          message: expect.stringContaining('connect ECONNREFUSED 127.0.0.1:1') as unknown,
        }) as unknown,
      }),
    ])
  })

  it('each failed record says why, with emails masked', async () => {
    const p = issuePartition(unreachable, { retryPolicy, level: 'info' })
    p.deliver({ email: 'jonathan.doe@example.com', level: 1 })
    await vi.advanceTimersByTimeAsync(6_000)

    const failed = p.logLines.filter((l) => l.msg === 'issuance failed')
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatchObject({ code: 'MOCA_RETRIES_EXHAUSTED', email: 'j***@example.com' })
    expect(failed[0]?.message).toContain('connect ECONNREFUSED 127.0.0.1:1')
    expect(JSON.stringify(p.logLines)).not.toContain('jonathan.doe@example.com')
  })

  it('status calls: a warning with the cause, and the failed confirmation says why', async () => {
    const p = confirmPartition(() => refused('status'))
    p.deliver(encodeConfirmRequest(confirmRequest()))
    await vi.advanceTimersByTimeAsync(21_000)

    expect(warnings(p.logLines)).toEqual([
      expect.objectContaining({
        call: 'status',
        route: 'kyc',
        err: expect.objectContaining({
          code: 'MOCA_UNAVAILABLE',
          message: expect.stringContaining('connect ECONNREFUSED 127.0.0.1:1') as unknown,
        }) as unknown,
      }),
    ])
    const failed = p.logLines.find((l) => l.msg === 'confirmation failed')
    expect(failed).toMatchObject({ code: 'CONFIRM_TIMEOUT' })
    expect(failed?.message).toContain('connect ECONNREFUSED 127.0.0.1:1')
  })

  it('says again how many calls failed that way, at most once per interval', () => {
    const logs = captureLogs('warn')
    let now = 0
    const warned = createMocaFailureWarnings({
      logger: logs.logger,
      intervalMs: 30_000,
      now: () => now,
    })
    for (; now < 65_000; now += 100) warned.failed('issue', 'kyc', refused('issue'))
    warned.failed('status', 'kyc', refused('status'))

    expect(logs.lines.map((l) => [l.call, l.failures])).toEqual([
      ['issue', 1],
      ['issue', 300],
      ['issue', 300],
      ['status', 1],
    ])
  })
})
