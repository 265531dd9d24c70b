import { describe, expect, it } from 'vitest'
import { createOutcomeTally } from '../../src/pipeline/outcome-tally.js'

describe('createOutcomeTally', () => {
  it('counts each record its stage finished as done, whatever the outcome, and none of the other stage', () => {
    const tally = createOutcomeTally('issue')
    expect(tally.done).toBe(0)
    tally.outcome('issue', 'kyc', 'issued')
    tally.outcome('issue', 'kyc', 'duplicate')
    tally.outcome('issue', 'kyc', 'failed', 'MOCA_BAD_REQUEST')
    tally.outcome('issue', 'kyc', 'skipped', 'filter')
    tally.outcome('confirm', 'kyc', 'onchain')
    expect(tally.done).toBe(4)

    const onchain = createOutcomeTally('confirm')
    onchain.outcome('issue', 'kyc', 'issued')
    onchain.outcome('confirm', 'kyc', 'onchain')
    expect(onchain.done).toBe(1)
  })
})
