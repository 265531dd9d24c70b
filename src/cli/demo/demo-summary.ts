import type { DemoNames } from './demo-configs.js'
import type { SampleStream } from './sample-events.js'

export interface DemoResult {
  produced: number
  issued: number
  onchain: number
  failedByCode: ReadonlyMap<string, number>
  duplicates: number
  skipped: number
  seconds: number
  sandboxCalls: number
  /** Every sample event ended as expected (issued + onchain, failed, a duplicate, a skip). */
  complete: boolean
  expected: SampleStream['expected']
}

/** The table the demo ends with, and where to look next. */
export function formatDemoSummary(input: {
  result: DemoResult
  names: DemoNames
  configPath: string
  opsUrl: string
  sandboxUrl: string
  kafkaFromStack: boolean
}): string {
  const { result: r, names } = input
  const failed = [...r.failedByCode.values()].reduce((a, b) => a + b, 0)
  const row = (label: string, value: string | number, note = ''): string =>
    `  ${label.padEnd(30)}${String(value).padStart(9)}  ${note}`.trimEnd()
  const lines = [
    '',
    `Summary: ${r.produced} sample events in ${r.seconds.toFixed(1)} s`,
    `  ${'─'.repeat(62)}`,
    row('credential.issued', r.issued, `expected ${r.expected.issued}`),
    row('credential.onchain', r.onchain, `expected ${r.expected.issued}`),
    row('credential.failed', failed, `expected ${r.expected.failed}, each with its reason:`),
    ...[...r.failedByCode].sort((a, b) => b[1] - a[1]).map(([code, n]) => row(`  ${code}`, n)),
    row('duplicates avoided', r.duplicates, 'same content delivered twice: issued once'),
    row('skipped by a route filter', r.skipped, 'kyc.started is not a credential'),
    row('MocaChain issue calls', r.sandboxCalls, 'one per issuance, the refused one included'),
    row(
      'throughput',
      `${Math.round(r.onchain / Math.max(r.seconds, 0.001))}/s`,
      'onchain, including start-up',
    ),
    `  ${'─'.repeat(62)}`,
    r.complete
      ? '  Every sample event is accounted for.'
      : '  NOT every sample event is accounted for: see the counts above.',
    '',
    'Where to look next:',
    `  outputs    ${names.issued}, ${names.onchain}, ${names.failed}`,
    `  config     ${input.configPath}  (moca-relay run --config ${input.configPath})`,
    `  replay     moca-relay replay --config ${input.configPath} --topic ${names.kyc} --dry-run`,
    `  redrive    moca-relay redrive --config ${input.configPath} --reason MOCA_CONSENT_REJECTED --dry-run`,
    `  ops        ${input.opsUrl}/readyz  ${input.opsUrl}/metrics   (while --follow runs)`,
    `  sandbox    ${input.sandboxUrl.replace(/\/v1$/, '')}/_sandbox/calls   (while --follow runs)`,
    `  docs       README.md (configuration, events, operations), docs/architecture.md`,
  ]
  if (input.kafkaFromStack) lines.push('  stop Kafka npm run stack:down')
  return lines.join('\n')
}
