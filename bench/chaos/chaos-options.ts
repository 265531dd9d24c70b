import { parseArgs } from 'node:util'
import { parseWholeNumberOption, UsageError } from '../support/bench-options.js'
import { SCENARIO_NAMES, type ScenarioName } from './chaos-trial.js'

export interface ChaosOptions {
  readonly trials: number
  readonly events: number
  readonly scenarios: readonly ScenarioName[]
  readonly seed: number
  readonly resultsDir: string
}

/**
 * Defaults for a full run of ten to fifteen minutes on two cores: the 20 kill trials of
 * a few hundred events each (every trial waits out a session timeout per kill).
 */
const DEFAULTS = { trials: 20, events: 300, seed: 1, resultsDir: 'results' } as const

export const CHAOS_USAGE = `Usage: npm run chaos -- [options]
  --trials N         kill trials (default ${DEFAULTS.trials}); group, broker and faults run once
  --events N         events per trial (default ${DEFAULTS.events}; the group scenario runs twice as many)
  --scenario NAME    ${SCENARIO_NAMES.join(' | ')} | all (default all)
  --seed N           seed of inputs, kill moments and faults (default ${DEFAULTS.seed}); the same
                     seed and options draw the same trials again (timing still varies)
  --out DIR          where results/chaos-<timestamp>/ goes (default ${DEFAULTS.resultsDir})
  -h, --help
Kafka: KAFKA_BROKERS when set, else the local stack. The broker scenario starts a broker of its
own on free ports and never restarts the shared one.`

export function parseChaosOptions(argv: readonly string[]): ChaosOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      trials: { type: 'string' },
      events: { type: 'string' },
      scenario: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) return 'help'
  const int = parseWholeNumberOption
  const scenario = values.scenario ?? 'all'
  if (scenario !== 'all' && !(SCENARIO_NAMES as readonly string[]).includes(scenario)) {
    throw new UsageError(
      `unknown scenario "${scenario}"; choose from ${SCENARIO_NAMES.join(', ')}, all`,
    )
  }
  return {
    trials: int('trials', values.trials, DEFAULTS.trials, 1),
    events: int('events', values.events, DEFAULTS.events, 10),
    scenarios: scenario === 'all' ? [...SCENARIO_NAMES] : [scenario as ScenarioName],
    seed: int('seed', values.seed, DEFAULTS.seed, 0),
    resultsDir: values.out ?? DEFAULTS.resultsDir,
  }
}
