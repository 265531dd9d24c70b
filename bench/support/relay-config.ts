import { BENCH_PARTNER_ID, BENCH_PROGRAM } from './bench-events.js'

export interface BenchRelayConfigOptions {
  readonly brokers: readonly string[]
  /** Group id, transactional ids, internal and output topic names all start with it. */
  readonly prefix: string
  readonly inputTopics: readonly string[]
  readonly partitions: number
  readonly sandboxUrl: string
  readonly kid: string
  /** Sections merged over the bench defaults (issue, moca, shutdown…). */
  readonly overrides?: {
    readonly issue?: Record<string, unknown>
    readonly moca?: Record<string, unknown>
    readonly shutdown?: Record<string, unknown>
    readonly kafka?: Record<string, unknown>
    readonly confirm?: Record<string, unknown>
  }
  /** Replace the single bench route (the chaos suite runs two). */
  readonly routes?: readonly Record<string, unknown>[]
}

export interface BenchTopics {
  readonly issued: string
  readonly onchain: string
  readonly failed: string
}

export function benchOutputTopics(prefix: string): BenchTopics {
  return { issued: `${prefix}.issued`, onchain: `${prefix}.onchain`, failed: `${prefix}.failed` }
}

/**
 * The relay's config for one scenario: the relay's own defaults everywhere (that is what is
 * measured), except names, endpoints, and what a scenario overrides explicitly.
 */
export function benchRelayConfig(options: BenchRelayConfigOptions): Record<string, unknown> {
  return {
    kafka: {
      brokers: options.brokers,
      groupId: options.prefix,
      clientId: options.prefix,
      ...options.overrides?.kafka,
    },
    topics: {
      ...benchOutputTopics(options.prefix),
      internalPrefix: options.prefix,
      partitions: options.partitions,
    },
    moca: {
      baseUrl: options.sandboxUrl,
      partnerId: BENCH_PARTNER_ID,
      key: { kid: options.kid },
      ...options.overrides?.moca,
    },
    ...(options.overrides?.issue ? { issue: options.overrides.issue } : {}),
    ...(options.overrides?.shutdown ? { shutdown: options.overrides.shutdown } : {}),
    ...(options.overrides?.confirm ? { confirm: options.overrides.confirm } : {}),
    log: { level: 'info', pretty: false },
    routes: options.routes ?? [
      {
        name: 'kyc',
        topics: options.inputTopics,
        program: BENCH_PROGRAM,
        email: 'email',
        credentialSubject: { age: 'age', location: 'location', isMember: 'isMember' },
      },
    ],
  }
}
