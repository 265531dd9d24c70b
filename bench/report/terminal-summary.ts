import { fmtInt, fmtMiB, fmtMs, fmtRate, fmtRatio } from './format.js'
import type { ScenarioResult } from './scenario-result.js'
import type { Ratios, TargetCheck } from './targets.js'

/** One screen for the terminal: the rows, the ratios, the targets, and where the files are. */
export function renderTerminalSummary(input: {
  readonly results: readonly ScenarioResult[]
  readonly failures: readonly { readonly id: string; readonly error: string }[]
  readonly ratios: Ratios
  readonly targets: readonly TargetCheck[]
  readonly workDir: string
}): string {
  const header = ['scenario', 'events', 'events/s', 'CPU µs/ev', 'p50', 'p99', 'peak RSS']
  const rows = input.results.map((r) => [
    r.id,
    fmtInt(r.events),
    fmtRate(r.eventsPerSecond),
    fmtInt(r.cpuUsPerEvent),
    fmtMs(r.latencyMs?.p50),
    fmtMs(r.latencyMs?.p99),
    fmtMiB(r.peakRssBytes),
  ])
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)),
  )
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
  const memory = input.results.find((r) => r.id === 'memory')
  const restore = input.results.find((r) => r.id === 'restore')
  const out = [
    '',
    line(header),
    ...rows.map(line),
    ...(memory ? ['', `memory: ${memory.notes[0] ?? ''}`] : []),
    ...(restore ? [`restore: ${restore.notes[0] ?? ''}`] : []),
    '',
    `ratios: relay50/naive12 ${fmtRatio(input.ratios.relay50OverNaive12)}, relay50/naive1 ${fmtRatio(input.ratios.relay50OverNaive1)}, relay50/relay0 ${fmtRatio(input.ratios.relay50OverRelay0)}, replay/B0 ${fmtRatio(input.ratios.replayOverB0)}, relay CPU/B0 CPU ${fmtRatio(input.ratios.relayCpuOverB0Cpu)}, relay50-poison/relay50 ${fmtRatio(input.ratios.poisonOverRelay50)}`,
    '',
    'targets:',
    ...input.targets.map(
      (t) =>
        `  [${t.met === null ? ' – ' : t.met ? ' ok' : 'MISS'}] issue ${t.issue}: ${t.target} — ${t.measured}`,
    ),
    ...input.results.flatMap((r) =>
      r.checks.filter((c) => !c.ok).map((c) => `check failed: ${r.id}: ${c.name} (${c.detail})`),
    ),
    ...input.failures.map((f) => `scenario failed: ${f.id}: ${f.error}`),
    '',
    `report: ${input.workDir}/report.md, report.json, chart.png`,
    '',
  ]
  return out.join('\n')
}
