import type { BenchEnvironment } from './bench-environment.js'
import { fmtInt, fmtMiB, fmtMs, fmtRate, fmtRatio } from './format.js'
import type { ScenarioResult } from './scenario-result.js'
import type { Ratios, TargetCheck } from './targets.js'

export interface MarkdownReportInput {
  readonly environment: BenchEnvironment
  readonly results: readonly ScenarioResult[]
  readonly ratios: Ratios
  readonly targets: readonly TargetCheck[]
  readonly chartFile: string | null
}

/** report.md: the table first, then how each figure is defined, the targets, and the checks. */
export function renderMarkdownReport(input: MarkdownReportInput): string {
  const { environment: env, results } = input
  const b0 = results.find((r) => r.id === 'b0')?.eventsPerSecond ?? null
  const naive12 = results.find((r) => r.id === 'naive12')?.eventsPerSecond ?? null
  const ratioOf = (r: ScenarioResult): string => {
    if (r.eventsPerSecond === null) return '–'
    if (r.id === 'replay' || r.id === 'b0')
      return `${fmtRatio(b0 === null ? null : r.eventsPerSecond / b0)} B0`
    return `${fmtRatio(naive12 === null ? null : r.eventsPerSecond / naive12)} naive12`
  }
  const lines: string[] = [
    `# moca-relay benchmark — ${env.startedAt}`,
    '',
    `\`${env.command}\` · ${env.events.toLocaleString('en-US')} events, ${env.partitions} partitions, ${env.users.toLocaleString('en-US')} users, ES256 · Node ${env.node} · ${env.cpus}× ${env.cpuModel} · ${env.memoryGiB} GiB · Kafka ${env.kafka} · load average before ${env.loadBefore.join(' / ')}, after ${env.loadAfter.join(' / ')} · commit ${env.commit}`,
    '',
    env.warmupRuns.length === 0
      ? 'The broker was not warmed up first: the first relay scenario also paid for its JIT compiler.'
      : `Before anything was measured, ${env.warmupRuns.length} discarded relay50 run${env.warmupRuns.length > 1 ? 's' : ''} (${env.warmupRuns.map((r) => fmtRate(r)).join(', ')} events/s) warmed the broker; every measured relay run started a fresh relay process.`,
    '',
    '| scenario | events | interval | events/s | ratio | CPU µs/event | p50 latency | p99 latency | peak RSS | notes |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...results.map((r) =>
      [
        `**${r.id}** ${r.title}`,
        fmtInt(r.events),
        r.seconds > 0 ? `${r.seconds.toFixed(2)} s` : '–',
        fmtRate(r.eventsPerSecond),
        ratioOf(r),
        fmtInt(r.cpuUsPerEvent),
        fmtMs(r.latencyMs?.p50),
        fmtMs(r.latencyMs?.p99),
        fmtMiB(r.peakRssBytes),
        r.notes.join('; '),
      ]
        .join(' | ')
        .replace(/^/, '| ')
        .concat(' |'),
    ),
    '',
    '## Ratios',
    '',
    `- relay50 / naive12: **${fmtRatio(input.ratios.relay50OverNaive12)}**; relay50 / naive1: ${fmtRatio(input.ratios.relay50OverNaive1)}`,
    `- relay50 / relay0 (latency hidden when ≈ 1): ${fmtRatio(input.ratios.relay50OverRelay0)}`,
    `- replay / B0: **${fmtRatio(input.ratios.replayOverB0)}**`,
    `- relay50 CPU per event / B0 CPU per event: ${fmtRatio(input.ratios.relayCpuOverB0Cpu)}`,
    `- relay50-poison / relay50 (valid events/s with 10% bad input mixed in): ${fmtRatio(input.ratios.poisonOverRelay50)}`,
    '',
    '## Targets',
    '',
    '| issue | target | measured | met |',
    '| ---: | --- | --- | :---: |',
    ...input.targets.map(
      (t) =>
        `| ${t.issue} | ${t.target} | ${t.measured} | ${t.met === null ? '–' : t.met ? 'yes' : '**no**'} |`,
    ),
    '',
    '## Definitions',
    '',
    ...results.map((r) => `- **${r.id}**: ${r.definition}.`),
    "- **CPU µs/event**: user + system CPU of the scenario's own process (the relay child, the worker) over the interval, all threads (GC, libuv pool) included, divided by the events handled in it. The sandbox, the broker and the bench process are not included; their share is in report.json (`sandboxCpuUsPerEvent`, `brokerCpuUsPerEvent`). For the relay rows the interval is ready → last onchain of a freshly started process, its first seconds of interpreted code and JIT compilation included; `steadyCpuUsPerEvent` in report.json (and the CPU target) is the same process between the 10th and the 90th percentile completion, warm.",
    "- **Latency** (relay rows): probe events produced at a fixed rate to a topic of their own while the relay drains the backlog; produce → credential.onchain visible to a read_committed reader. A backlog event's own latency is queueing (N / throughput) by construction and is not reported. ONCHAIN after 1 s puts the floor at ≈ 1 s.",
    '',
    '## Checks',
    '',
    ...results.flatMap((r) =>
      r.checks.map((c) => `- ${c.ok ? '✓' : '✗'} ${r.id}: ${c.name} (${c.detail})`),
    ),
    '',
    '## Detail',
    '',
    ...results.flatMap((r) =>
      Object.keys(r.detail).length === 0
        ? []
        : [
            `- **${r.id}**: ${Object.entries(r.detail)
              .map(([k, v]) => `${k} ${formatDetail(v)}`)
              .join(', ')}`,
          ],
    ),
    '',
  ]
  if (input.chartFile) lines.push(`![throughput and latency over the run](${input.chartFile})`, '')
  return lines.join('\n')
}

function formatDetail(value: number | string | boolean | null): string {
  if (typeof value !== 'number') return String(value)
  if (Number.isInteger(value)) return value.toLocaleString('en-US')
  return value.toFixed(value >= 100 ? 0 : 2)
}
