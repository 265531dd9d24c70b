import { describe, expect, it } from 'vitest'
import type { LedgerEntry } from '../../src/ledger/ledger-entry.js'
import {
  livePolicy,
  reconfirmPolicy,
  redrivePolicy,
  reissuePolicy,
} from '../../src/pipeline/ledger-policy.js'

const entry = (state: LedgerEntry['state'], extra: Partial<LedgerEntry> = {}): LedgerEntry => ({
  state,
  generation: 0,
  at: 0,
  run: null,
  ...extra,
})

describe('ledger policies', () => {
  it('live: issue new keys, recover intents, never issue a finished key again', () => {
    expect(livePolicy.decide(undefined)).toEqual({ action: 'issue', generation: 0, recover: false })
    expect(livePolicy.decide(entry('INTENT'))).toEqual({
      action: 'issue',
      generation: 0,
      recover: true,
    })
    expect(livePolicy.decide(entry('ISSUED'))).toEqual({ action: 'skip' })
    expect(livePolicy.decide(entry('FAILED'))).toEqual({ action: 'skip' })
  })

  it('reissue: one new generation per key per run, resumable', () => {
    const policy = reissuePolicy('run-7')
    expect(policy.decide(entry('ISSUED', { generation: 2 }))).toEqual({
      action: 'issue',
      generation: 3,
      recover: false,
    })
    expect(policy.decide(entry('INTENT', { generation: 3, run: 'run-7' }))).toEqual({
      action: 'issue',
      generation: 3,
      recover: true,
    })
    expect(policy.decide(entry('ISSUED', { generation: 3, run: 'run-7' }))).toEqual({
      action: 'skip',
    })
  })

  it('reissue: an intent another run left is recovered, not overtaken by a new generation', () => {
    // The failure: a reissue run that fenced another one (range runs share transactional ids)
    // found that run's committed INTENT of generation 1, whose "revoke" may be under way, and
    // issued generation 2 with "revoke" beside it: two revokes for the user from one event.
    const policy = reissuePolicy('reissue-b')
    expect(policy.decide(entry('INTENT', { generation: 1, run: 'reissue-a' }))).toEqual({
      action: 'issue',
      generation: 1,
      recover: true,
    })
  })

  it('redrive: retry failures, with "ignore" when an earlier attempt may have landed', () => {
    const policy = redrivePolicy('redrive-1')
    expect(policy.decide(entry('FAILED', { uncertain: false }))).toEqual({
      action: 'issue',
      generation: 0,
      recover: false,
    })
    expect(policy.decide(entry('FAILED', { uncertain: true }))).toEqual({
      action: 'issue',
      generation: 0,
      recover: true,
    })
    expect(policy.decide(entry('ISSUED'))).toEqual({ action: 'skip' })
  })

  it('re-poll: only the credential whose confirmation failed, not one that replaced it since', () => {
    const source = { topic: 'kyc', partition: 0, offset: '7', eventId: null }
    const failed = new Map([['kyc/0/7', new Set(['hash-old'])]])
    const policy = reconfirmPolicy('run-9', failed)
    const issued = (coreClaimHash: string) => entry('ISSUED', { coreClaimHash })
    expect(policy.decide(issued('hash-old'), source)).toEqual({ action: 'reconfirm' })
    expect(policy.decide(issued('hash-new'), source)).toEqual({ action: 'skip' })
    // A failure that carried no hash (an unreadable confirm request) names no credential.
    const unnamed = reconfirmPolicy('run-9', new Map([['kyc/0/7', new Set([null])]]))
    expect(unnamed.decide(issued('hash-new'), source)).toEqual({ action: 'reconfirm' })
    expect(policy.decide(entry('FAILED'), source)).toEqual({ action: 'skip' })
  })

  it('re-poll of a key the ledger holds no entry for: forgotten, not skipped as done', () => {
    const source = { topic: 'kyc', partition: 0, offset: '7', eventId: null }
    expect(reconfirmPolicy('run-9').decide(undefined, source)).toEqual({ action: 'forgotten' })
  })
})
