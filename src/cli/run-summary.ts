import type { RangeRunResult } from './range-run.js'

/**
 * The end-of-run table of replay and redrive: what happened (or would) to each record. Its rows
 * add up to the records in range, those a resumed run's earlier attempt committed included.
 */
export function formatRunSummary(
  run: Pick<RangeRunResult, 'tally' | 'records' | 'earlier' | 'seconds'>,
  dryRun: boolean,
): string {
  const { tally, records, earlier, seconds } = run
  const rows: [string, number, string][] = [
    ['records in range', records, ''],
    [
      dryRun ? 'would issue' : 'issued',
      tally.count('issued'),
      dryRun ? 'one issue call to MocaChain each' : 'new credentials',
    ],
    ['already done', tally.count('duplicate'), 'the ledger has them: nothing to do'],
    [dryRun ? 'would fail' : 'failed', tally.count('failed'), ''],
    ['skipped (filter, no route)', tally.count('skipped'), ''],
  ]
  if (earlier > 0) {
    rows.splice(1, 0, [
      'done by an earlier attempt',
      earlier,
      'of this run, committed before it was interrupted',
    ])
  }
  if (tally.count('reconfirmed') > 0) {
    rows.splice(2, 0, [
      dryRun ? 'would re-poll' : 're-polled',
      tally.count('reconfirmed'),
      'issued credentials, confirmation queued again',
    ])
  }
  if (tally.count('forgotten') > 0) {
    rows.splice(rows.findIndex(([label]) => label === 'already done') + 1, 0, [
      'ledger entry gone',
      tally.count('forgotten'),
      'not re-polled: no credential known to poll',
    ])
  }
  const lines = rows.map(([label, value, note]) =>
    `  ${label.padEnd(28)}${String(value).padStart(8)}  ${note}`.trimEnd(),
  )
  for (const [code, count] of [...tally.byCode('failed')].sort((a, b) => b[1] - a[1])) {
    lines.push(`    ${code.padEnd(26)}${String(count).padStart(8)}`)
  }
  lines.push(`  ${'time'.padEnd(28)}${seconds.toFixed(1).padStart(8)}  s`)
  return lines.join('\n')
}
