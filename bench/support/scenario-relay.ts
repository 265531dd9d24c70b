import { confirmGroupId } from '../../src/pipeline/relay.js'
import type { BenchContext } from './bench-context.js'
import { benchRelayConfig, type BenchRelayConfigOptions } from './relay-config.js'
import { startRelayProcess, type RelayProcess } from './relay-process.js'

export interface ScenarioRelay {
  /** Group id, internal and output topic names. */
  readonly prefix: string
  /** The scenario's own (empty) input topic, with the backlog's partition count. */
  readonly inputTopic: string
  readonly rawConfig: Record<string, unknown>
}

/**
 * A scenario with a relay of its own on an input topic of its own: `<run>-<name>-in` (not under
 * `<prefix>.`, since the relay refuses to read a topic named like its own outputs), the relay's
 * groups deleted with the run's topics.
 */
export async function prepareScenarioRelay(
  ctx: BenchContext,
  name: string,
  overrides?: BenchRelayConfigOptions['overrides'],
): Promise<ScenarioRelay> {
  const prefix = `${ctx.runPrefix}-${name}`
  const inputTopic = `${prefix}-in`
  await ctx.kafka.createTopic(inputTopic, ctx.input.partitions)
  ctx.kafka.trackGroup(prefix)
  ctx.kafka.trackGroup(confirmGroupId(prefix))
  const rawConfig = benchRelayConfig({
    brokers: ctx.kafka.brokers,
    prefix,
    inputTopics: [inputTopic],
    partitions: ctx.input.partitions,
    sandboxUrl: ctx.sandbox.url,
    kid: ctx.key.kid,
    ...(overrides ? { overrides } : {}),
  })
  return { prefix, inputTopic, rawConfig }
}

/** A scenario's relay with the heap probe loaded (RelayProcess.heapAfterGc), not yet ready. */
export function startHeapProbedRelay(
  ctx: BenchContext,
  name: string,
  rawConfig: Record<string, unknown>,
): Promise<RelayProcess> {
  return startRelayProcess({
    cliPath: ctx.cliPath,
    name,
    rawConfig,
    privateKeyPem: ctx.key.privateKeyPem,
    workDir: ctx.workDir,
    heapProbe: true,
  })
}
