import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { RouteConfig } from '../../src/config/relay-config.js'
import { compileRoutes } from '../../src/domain/compile-routes.js'
import { compileRetryPolicy } from '../../src/domain/retry-policy.js'
import { classifyNetworkError } from '../../src/moca/classify-network-error.js'
import type { MocaClient } from '../../src/moca/moca-client.js'
import { createRouteCircuit, probePolicyOf } from '../../src/pipeline/circuit-breaker.js'
import { encodeConfirmRequest } from '../../src/pipeline/confirm-request.js'
import { createIssueStage } from '../../src/pipeline/issue-stage.js'
import { livePolicy } from '../../src/pipeline/ledger-policy.js'
import { createMocaFailureWarnings } from '../../src/pipeline/moca-failure-warnings.js'
import { PartitionWorker } from '../../src/pipeline/partition-worker.js'
import { noopMetrics } from '../../src/pipeline/relay-metrics.js'
import { captureLogs } from '../support/capture-logs.js'
import { confirmPartition, confirmRequest, ISSUED_AT } from '../support/confirm-harness.js'

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

function issuePartition(moca: MocaClient, level: string) {
  const logs = captureLogs(level)
  const [route] = compileRoutes([
    RouteConfig.parse({
      name: 'kyc',
      topics: ['kyc.completed'],
      program: { issuerDid: 'did:air:id:test:issuer', credentialId: 'c-kyc' },
      email: 'email',
      credentialSubject: { level: 'level' },
    }),
  ])
  const circuit = createRouteCircuit({
    route: 'kyc',
    probePolicy: probePolicyOf({ initialDelayMs: 1000, maxDelayMs: 30_000 }),
    onChange: () => undefined,
  })
  let calls = 0
  const counted: MocaClient = {
    ...moca,
    issue: (...args) => {
      calls++
      return moca.issue(...args)
    },
  }
  const worker = new PartitionWorker({
    stage: 'issue',
    topic: 'kyc.completed',
    partition: 0,
    ledgerTopic: 'relay.ledger.kyc.completed',
    transactions: {
      transactionalId: 'test',
      commit: async () => undefined,
      close: async () => undefined,
    },
    createProcessor: createIssueStage({
      decoder: {
        decode: async (record) => ({
          id: `evt-${record.offset}`,
          type: 'kyc.completed',
          source: '/kyc',
          time: null,
          subject: null,
          data: JSON.parse(record.value!.toString('utf8')) as unknown,
          traceparent: null,
          format: 'json',
        }),
      },
      encoder: {
        encode: async (event, context) => ({
          key: context.key,
          value: Buffer.from(JSON.stringify(event)),
          headers: {},
        }),
      },
      routes: [route!],
      moca: counted,
      circuitOf: () => circuit,
      retryPolicy,
      ledgerPolicy: livePolicy,
      topics: { issued: 'issued', failed: 'failed', confirmQueue: 'queue' },
      uncertaintyWindowMs: 0,
      metrics: noopMetrics,
      failureWarnings: createMocaFailureWarnings({ logger: logs.logger }),
    }),
    lingerMs: 5,
    ledgerRetentionMs: 30 * 24 * 3600_000,
    initialInFlight: 100,
    maxInFlight: 100,
    restoreTarget: 0,
    logger: logs.logger,
    metrics: noopMetrics,
    onCommitted: () => undefined,
    onFatal: (_, err) => {
      throw err
    },
  })
  let offset = 0
  return {
    lines: logs.lines,
    calls: () => calls,
    deliver(data: unknown) {
      worker.admit({
        topic: 'kyc.completed',
        partition: 0,
        offset: String(offset++),
        key: Buffer.from('k'),
        value: Buffer.from(JSON.stringify(data)),
        headers: {},
        timestamp: String(Date.now()),
      })
    },
  }
}

const unreachable: MocaClient = {
  issue: () => Promise.reject(refused('issue')),
  status: () => Promise.reject(refused('status')),
  close: async () => undefined,
}

describe('a MocaChain outage is told to the operator', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: ISSUED_AT })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('issue calls: one warning with the cause at LOG_LEVEL=warn, not one per failed call', async () => {
    const p = issuePartition(unreachable, 'warn')
    for (let i = 0; i < 30; i++) p.deliver({ email: `user${i}@example.com`, level: i })
    await vi.advanceTimersByTimeAsync(4_000)

    expect(p.calls()).toBeGreaterThan(100)
    expect(warnings(p.lines)).toEqual([
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
    const p = issuePartition(unreachable, 'info')
    p.deliver({ email: 'jonathan.doe@example.com', level: 1 })
    await vi.advanceTimersByTimeAsync(6_000)

    const failed = p.lines.filter((l) => l.msg === 'issuance failed')
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatchObject({ code: 'MOCA_RETRIES_EXHAUSTED', email: 'j***@example.com' })
    expect(failed[0]?.message).toContain('connect ECONNREFUSED 127.0.0.1:1')
    expect(JSON.stringify(p.lines)).not.toContain('jonathan.doe@example.com')
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
