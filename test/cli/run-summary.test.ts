import { describe, expect, it } from 'vitest'
import { formatRunSummary } from '../../src/cli/run-summary.js'
import { createOutcomeTally } from '../../src/pipeline/outcome-tally.js'

/** A redrive's issue stage: 2 issued, 2 already done, 3 failed (two codes), 1 skipped. */
function redriveTally() {
  const tally = createOutcomeTally()
  tally.outcome('issue', 'kyc', 'issued')
  tally.outcome('issue', 'kyc', 'issued')
  tally.outcome('issue', 'kyc', 'duplicate')
  tally.outcome('issue', 'kyc', 'duplicate')
  tally.outcome('issue', 'kyc', 'failed', 'MOCA_BAD_REQUEST')
  tally.outcome('issue', 'kyc', 'failed', 'MOCA_CONSENT_REJECTED')
  tally.outcome('issue', 'kyc', 'failed', 'MOCA_BAD_REQUEST')
  tally.outcome('issue', 'kyc', 'skipped', 'filter')
  // The confirm stage of the same process is not part of the run's records.
  tally.outcome('confirm', 'kyc', 'onchain')
  tally.outcome('confirm', 'kyc', 'failed', 'CONFIRM_TIMEOUT')
  return tally
}

const row = (summary: string, label: string) =>
  summary
    .split('\n')
    .find((line) => line.trimStart().startsWith(label))
    ?.trim()
    .split(/\s{2,}/)

describe('the summary at the end of a replay or redrive', () => {
  it('accounts for every record of the range, with the failures by code, most frequent first', () => {
    const summary = formatRunSummary(
      { tally: redriveTally(), records: 8, earlier: 0, seconds: 1.25 },
      false,
    )
    expect(row(summary, 'records in range')).toEqual(['records in range', '8'])
    expect(row(summary, 'issued')).toEqual(['issued', '2', 'new credentials'])
    expect(row(summary, 'already done')?.slice(0, 2)).toEqual(['already done', '2'])
    expect(row(summary, 'failed')).toEqual(['failed', '3'])
    expect(row(summary, 'skipped')).toEqual(['skipped (filter, no route)', '1'])
    const codes = summary.split('\n').filter((line) => line.startsWith('    '))
    expect(codes.map((line) => line.trim().split(/\s+/))).toEqual([
      ['MOCA_BAD_REQUEST', '2'],
      ['MOCA_CONSENT_REJECTED', '1'],
    ])
    expect(row(summary, 'time')).toEqual(['time', '1.3', 's'])
    expect(summary).not.toContain('CONFIRM_TIMEOUT')
  })

  it('says "would" in a dry run, where nothing was issued', () => {
    const summary = formatRunSummary(
      { tally: redriveTally(), records: 8, earlier: 0, seconds: 0 },
      true,
    )
    // not "keys the ledger does not know": a redrive retries keys the ledger holds as FAILED
    expect(row(summary, 'would issue')).toEqual([
      'would issue',
      '2',
      'one issue call to MocaChain each',
    ])
    expect(row(summary, 'would fail')).toEqual(['would fail', '3'])
    expect(summary).not.toMatch(/^\s+issued/m)
  })

  it('shows re-polled confirmations only when there were some', () => {
    expect(
      formatRunSummary({ tally: redriveTally(), records: 8, earlier: 0, seconds: 0 }, false),
    ).not.toContain('re-poll')
    const tally = createOutcomeTally()
    tally.outcome('issue', 'kyc', 'reconfirmed')
    expect(
      row(
        formatRunSummary({ tally, records: 1, earlier: 0, seconds: 0 }, true),
        'would re-poll',
      )?.slice(0, 2),
    ).toEqual(['would re-poll', '1'])
  })

  it('counts re-polls whose ledger entry was gone apart from those already done', () => {
    // A re-poll with no ledger entry was counted as "already done: the ledger has them".
    const tally = createOutcomeTally()
    tally.outcome('issue', 'kyc', 'forgotten')
    tally.outcome('issue', 'kyc', 'duplicate')
    const summary = formatRunSummary({ tally, records: 2, earlier: 0, seconds: 0 }, false)
    expect(row(summary, 'ledger entry gone')).toEqual([
      'ledger entry gone',
      '1',
      'not re-polled: no credential known to poll',
    ])
    expect(row(summary, 'already done')?.[1]).toBe('1')
    expect(
      formatRunSummary({ tally: redriveTally(), records: 8, earlier: 0, seconds: 0 }, false),
    ).not.toContain('ledger entry gone')
  })

  it('after a resume, counts what the interrupted attempt committed, so the rows add up', () => {
    const summary = formatRunSummary(
      { tally: redriveTally(), records: 12, earlier: 4, seconds: 0 },
      false,
    )
    expect(row(summary, 'done by an earlier attempt')).toEqual([
      'done by an earlier attempt',
      '4',
      'of this run, committed before it was interrupted',
    ])
    const counted = ['done by', 'issued', 'already done', 'failed', 'skipped'].map((label) =>
      Number(row(summary, label)?.[1]),
    )
    expect(counted.reduce((a, b) => a + b)).toBe(12)
    expect(
      formatRunSummary({ tally: redriveTally(), records: 8, earlier: 0, seconds: 0 }, false),
    ).not.toContain('earlier attempt')
  })
})
