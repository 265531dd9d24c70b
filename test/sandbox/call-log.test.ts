import { describe, expect, it } from 'vitest'
import { createCallLog, type IssueCallInput } from '../../src/sandbox/call-log.js'

const call = (n: number): IssueCallInput => ({
  atMs: n,
  email: `u${n}@example.com`,
  issuerDid: 'd',
  credentialId: 'c',
  onDuplicate: 'revoke',
  idempotencyKey: `k${n}`,
  httpStatus: 200,
  outcome: 'answered',
  fault: null,
  applied: true,
  action: 'issued',
  coreClaimHash: null,
  revokedCoreClaimHash: null,
  reason: null,
})

describe('call log', () => {
  it('keeps the newest calls up to its limit and counts every one', () => {
    const log = createCallLog({ limit: 3 })
    for (let n = 1; n <= 5; n += 1) log.record(call(n))
    expect(log.total).toBe(5)
    expect(log.retained).toBe(3)
    expect(log.list().map((c) => [c.seq, c.idempotencyKey])).toEqual([
      [3, 'k3'],
      [4, 'k4'],
      [5, 'k5'],
    ])
    expect(log.list({ limit: 1 }).map((c) => c.seq)).toEqual([5])
    log.clear()
    expect(log.list()).toEqual([])
  })
})
