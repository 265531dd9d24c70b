import type { OutcomeTally } from '../pipeline/outcome-tally.js'

/** The end-of-run table of replay and redrive: what happened (or would) to each record. */
export function formatRunSummary(
  tally: OutcomeTally,
  records: number,
  dryRun: boolean,
  seconds: number,
): string {
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
  if (tally.count('reconfirmed') > 0) {
    rows.splice(2, 0, [
      dryRun ? 'would re-poll' : 're-polled',
      tally.count('reconfirmed'),
      'issued credentials, confirmation queued again',
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
