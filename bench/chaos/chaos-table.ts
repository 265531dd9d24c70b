import type { TrialResult } from './chaos-trial.js'

/** The chaos run's table, one row per trial plus a total: aligned text for the terminal, or Markdown. */

const HEADERS = [
  'scenario',
  'trial',
  'events',
  'kills/restarts',
  'lost',
  'dup revokes',
  'dup outputs',
  'order',
  'failed (reason)',
  'seconds',
  'verdict',
] as const

function row(r: TrialResult): string[] {
  const v = r.verdict
  const count = (n: number | undefined): string => (n === undefined ? '–' : String(n))
  const failed = Object.entries(v?.failedByCode ?? {})
    .map(([code, n]) => `${n} ${code}`)
    .join(', ')
  const crashes = r.crashes.length > 0 ? ` (${r.crashes.length} exited)` : ''
  const problems = [
    ...(r.finished ? [] : ['unfinished']),
    ...(r.hangs.length > 0 ? [`${r.hangs.length} hang`] : []),
  ]
  return [
    r.scenario,
    String(r.trial),
    String(r.events),
    `${r.kills}/${r.restarts}${crashes}`,
    count(v?.lost.count),
    count(v?.duplicateRevokes.count),
    count(v?.duplicateOutputs.count),
    count(v?.orderViolations.count),
    failed === '' ? '0' : failed,
    r.seconds.toFixed(0),
    r.ok ? 'PASS' : `FAIL${problems.length > 0 ? ` (${problems.join(', ')})` : ''}`,
  ]
}

function totalRow(results: readonly TrialResult[]): string[] {
  const sum = (pick: (r: TrialResult) => number): string =>
    String(results.reduce((s, r) => s + pick(r), 0))
  const failed = results.filter((r) => !r.ok).length
  return [
    'total',
    String(results.length),
    sum((r) => r.events),
    `${sum((r) => r.kills)}/${sum((r) => r.restarts)}`,
    sum((r) => r.verdict?.lost.count ?? 0),
    sum((r) => r.verdict?.duplicateRevokes.count ?? 0),
    sum((r) => r.verdict?.duplicateOutputs.count ?? 0),
    sum((r) => r.verdict?.orderViolations.count ?? 0),
    sum((r) => Object.values(r.verdict?.failedByCode ?? {}).reduce((s, n) => s + n, 0)),
    sum((r) => Math.round(r.seconds)),
    failed === 0 ? 'PASS' : `FAIL (${failed} trial${failed === 1 ? '' : 's'})`,
  ]
}

export function renderTextTable(results: readonly TrialResult[]): string {
  const rows = [[...HEADERS], ...results.map(row), totalRow(results)]
  const widths = HEADERS.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()
  const rule = widths.map((w) => '-'.repeat(w)).join('  ')
  const body = rows.slice(1, -1).map(line)
  return [line(rows[0] ?? []), rule, ...body, rule, line(rows.at(-1) ?? [])].join('\n') + '\n'
}

export function renderMarkdownTable(results: readonly TrialResult[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`
  return [
    line(HEADERS),
    line(HEADERS.map(() => '---')),
    ...results.map(row).map(line),
    line(totalRow(results).map((c) => `**${c}**`)),
  ].join('\n')
}

/** The judge's examples and the trial notes of every trial that failed, for the report. */
export function renderFailureDetails(results: readonly TrialResult[]): string {
  const lines: string[] = []
  for (const r of results.filter((x) => !x.ok)) {
    lines.push(`${r.scenario} #${r.trial} (seed ${r.seed}):`)
    for (const note of r.notes) lines.push(`  note: ${note}`)
    for (const [name, check] of Object.entries({
      lost: r.verdict?.lost,
      'duplicate revokes': r.verdict?.duplicateRevokes,
      'duplicate outputs': r.verdict?.duplicateOutputs,
      order: r.verdict?.orderViolations,
    })) {
      for (const example of check?.examples ?? []) lines.push(`  ${name}: ${example}`)
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`
}
