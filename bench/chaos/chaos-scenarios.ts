import type { SandboxFaultsInput } from '../../src/sandbox/sandbox-faults.js'
import { openKafkaEnvironment, type KafkaEnvironment } from '../support/kafka-environment.js'
import { sleep } from '../support/wait-until.js'
import {
  runTrial,
  SCENARIO_NAMES,
  type ChaosContext,
  type ScenarioName,
  type TrialHandle,
  type TrialResult,
  type TrialSpec,
} from './chaos-trial.js'
import { startDedicatedBroker } from './dedicated-broker.js'

/**
 * The four chaos scenarios of issue 6. Each is a trial spec plus a disruption; chaos-trial.ts
 * does the rest (inputs, relays, finishing, judging).
 */
export interface ScenarioOptions {
  readonly events: number
  readonly trials: number
  readonly seed: number
}

/** MocaChain's answer time when no faults are asked for: calls overlap, as in production. */
const BASE_LATENCY: SandboxFaultsInput = { issue: { latency: { uniformMs: { min: 10, max: 60 } } } }

/** Users per event: about five events per user, so per-user order is exercised. */
const EVENTS_PER_USER = 5
/** The relays get this long after the disruption to give every input its outcome. */
const FINISH_TIMEOUT_MS = 180_000
/** A disruption that waits for calls that never come fails the trial instead of hanging it. */
const CALLS_TIMEOUT_MS = 120_000

/**
 * The issue's MocaChain faults: 20% 5xx (500, 502, 503), 5% connection resets (half before the
 * work, half after the credential was issued), 429 bursts with Retry-After, and 3% of calls
 * spiking to 5 s, past the relay's 2 s request timeout (an uncertain outcome: the recovery path).
 */
export const CHAOS_FAULTS: SandboxFaultsInput = {
  issue: {
    latency: { uniformMs: { min: 5, max: 40 } },
    rates: {
      http500: 0.067,
      http502: 0.067,
      http503: 0.066,
      reset: 0.025,
      applyThenReset: 0.025,
    },
    retryAfterSeconds: 1,
    spikes: { rate: 0.03, latency: { fixedMs: 5_000 } },
    throttleBursts: { everyMs: 4_000, durationMs: 400, retryAfterSeconds: 1 },
  },
}
/**
 * With 5 s spikes a call can land up to ~5 s after it was sent: the recovery waits that out
 * before asking with "ignore" (docs/architecture.md, rule 5).
 */
const FAULTS_UNCERTAINTY_WINDOW_MS = 7_000

function spec(
  scenario: ScenarioName,
  trial: number,
  options: ScenarioOptions,
  fields: Partial<TrialSpec> & Pick<TrialSpec, 'partitions' | 'relays'>,
): TrialSpec {
  const events = fields.events ?? options.events
  return {
    scenario,
    trial,
    // distinct per scenario and trial, reproducible from --seed
    seed: options.seed * 1_000 + SCENARIO_NAMES.indexOf(scenario) * 100 + trial,
    events,
    users: Math.ceil(events / EVENTS_PER_USER),
    finishTimeoutMs: FINISH_TIMEOUT_MS,
    faults: BASE_LATENCY,
    ...fields,
  }
}

/**
 * Waits for a random moment of the run: a random share of the issue calls, then up to 250 ms
 * more, so a kill lands in any phase (a call in flight, an intent or an outcome not yet committed).
 */
async function randomMoment(t: TrialHandle, events: number, share: number): Promise<string> {
  const calls = t.sandbox.calls.total + 1 + Math.floor(t.random() * events * share)
  await t.waitForCalls(calls, CALLS_TIMEOUT_MS)
  const ms = Math.floor(t.random() * 250)
  await sleep(ms)
  return `${ms} ms after issue call ${calls} (${t.sandbox.calls.total} calls)`
}

/** kill: SIGKILL the only relay at one or two random moments, restarting it each time. */
export async function runKillScenario(
  ctx: ChaosContext,
  kafka: KafkaEnvironment,
  options: ScenarioOptions,
): Promise<TrialResult[]> {
  const results: TrialResult[] = []
  for (let trial = 1; trial <= options.trials; trial += 1) {
    const trialSpec = spec('kill', trial, options, { partitions: 3, relays: 1 })
    const result = await runTrial(ctx, kafka, trialSpec, async (t) => {
      const kills = t.random() < 0.5 ? 1 : 2
      for (let k = 0; k < kills; k += 1) {
        const moment = await randomMoment(t, trialSpec.events, 0.6 / kills)
        t.note(`SIGKILL ${moment}`)
        await t.supervisor.kill('relay1', { restart: true })
      }
    })
    results.push(report(ctx, result))
  }
  return results
}

/** group: three relays in one group, one SIGKILLed mid-run and not restarted; the others take over. */
export async function runGroupScenario(
  ctx: ChaosContext,
  kafka: KafkaEnvironment,
  options: ScenarioOptions,
): Promise<TrialResult[]> {
  const events = options.events * 2
  const trialSpec = spec('group', 1, options, {
    partitions: 6,
    relays: 3,
    events,
    produceWhenReady: true,
  })
  const result = await runTrial(ctx, kafka, trialSpec, async (t) => {
    const calls = Math.floor(events * (0.2 + 0.3 * t.random()))
    await t.waitForCalls(calls, CALLS_TIMEOUT_MS)
    t.note(`SIGKILL relay2 after ${t.sandbox.calls.total} issue calls; relay1 and relay3 take over`)
    await t.supervisor.kill('relay2', { restart: false })
  })
  return [report(ctx, result)]
}

/**
 * broker: a dedicated broker (never the shared one) stopped with SIGTERM mid-run and started
 * again on the same port and data folder; the relay rides it out or exits and is restarted.
 */
export async function runBrokerScenario(
  ctx: ChaosContext,
  options: ScenarioOptions,
): Promise<TrialResult[]> {
  const broker = await startDedicatedBroker(ctx.log)
  let kafka: KafkaEnvironment | undefined
  try {
    kafka = await openKafkaEnvironment({
      runPrefix: ctx.runPrefix,
      report: ctx.log,
      brokers: [broker.address],
      // removed with its data below; deleting topics on a broker just restarted only fails
      disposableBroker: true,
    })
    const trialSpec = spec('broker', 1, options, { partitions: 3, relays: 1 })
    const result = await runTrial(ctx, kafka, trialSpec, async (t) => {
      const calls = Math.floor(trialSpec.events * (0.2 + 0.3 * t.random()))
      await t.waitForCalls(calls, CALLS_TIMEOUT_MS)
      t.note(`broker SIGTERM after ${t.sandbox.calls.total} issue calls`)
      await broker.stop(30_000)
      // With the broker's own restart (a JVM start, log recovery) the outage outlasts the relay's
      // 10 s transaction timeout: the coordinator then aborts open transactions by fencing them.
      const downMs = 2_000 + Math.floor(t.random() * 3_000)
      await sleep(downMs)
      t.note(`broker restarting after ${downMs} ms down (${t.sandbox.calls.total} issue calls)`)
      await broker.restart()
      t.note('broker is back')
    })
    return [report(ctx, result)]
  } finally {
    await kafka?.close().catch(() => undefined)
    await broker.remove().catch((err: unknown) => ctx.log(`removing the broker: ${String(err)}`))
  }
}

/** faults: one relay against a sandbox with the issue's faults, no kills. */
export async function runFaultsScenario(
  ctx: ChaosContext,
  kafka: KafkaEnvironment,
  options: ScenarioOptions,
): Promise<TrialResult[]> {
  const trialSpec = spec('faults', 1, options, {
    partitions: 3,
    relays: 1,
    faults: CHAOS_FAULTS,
    moca: { uncertaintyWindow: FAULTS_UNCERTAINTY_WINDOW_MS },
  })
  const result = await runTrial(ctx, kafka, trialSpec, async (t) => {
    t.note('sandbox faults: 20% 5xx, 5% resets, 429 bursts, 3% 5 s spikes')
  })
  return [report(ctx, result)]
}

function report(ctx: ChaosContext, result: TrialResult): TrialResult {
  const v = result.verdict
  ctx.log(
    `${result.scenario} #${result.trial}: ${result.ok ? 'PASS' : 'FAIL'} in ${result.seconds.toFixed(0)} s` +
      (v === null
        ? ''
        : ` (lost ${v.lost.count}, duplicate revokes ${v.duplicateRevokes.count}, duplicate outputs ${v.duplicateOutputs.count}, order ${v.orderViolations.count})`),
  )
  return result
}
