import { confirmGroupId } from '../../src/pipeline/relay.js'
import { createSeededRandom } from '../../src/sandbox/seeded-random.js'
import type { SandboxFaultsInput } from '../../src/sandbox/sandbox-faults.js'
import { startSandbox, type SandboxHandle } from '../../src/sandbox/start-sandbox.js'
import { BENCH_PARTNER_ID } from '../support/bench-events.js'
import type { KafkaEnvironment } from '../support/kafka-environment.js'
import { benchOutputTopics, benchRelayConfig } from '../support/relay-config.js'
import { startRelayProcess } from '../support/relay-process.js'
import { waitUntil } from '../support/wait-until.js'
import { chaosPrograms, chaosRoutes, produceChaosInputs } from './chaos-inputs.js'
import { judgeTrial, type ChaosInput, type Verdict } from './judge.js'
import { startOutputReader } from './output-reader.js'
import { createRelaySupervisor, type RelaySupervisor } from './relay-supervisor.js'

/** What every trial of a chaos run shares. */
export interface ChaosContext {
  /** dist/src/cli/main.js */
  readonly cliPath: string
  /** Configs and logs of every relay go here. */
  readonly workDir: string
  /** Every topic and group of the run starts with it. */
  readonly runPrefix: string
  readonly key: { readonly privateKeyPem: string; readonly kid: string }
  /** The partner JWKS the sandbox verifies tokens with. */
  readonly jwksUrl: string
  readonly log: (line: string) => void
}

export const SCENARIO_NAMES = ['kill', 'group', 'broker', 'faults'] as const
export type ScenarioName = (typeof SCENARIO_NAMES)[number]

export interface TrialSpec {
  readonly scenario: ScenarioName
  readonly trial: number
  /** The trial's own seed: its inputs, kill moments and sandbox faults follow from it. */
  readonly seed: number
  readonly events: number
  readonly partitions: number
  readonly users: number
  /** Relays started at the beginning, in one consumer group. */
  readonly relays: number
  /**
   * Produce once every relay is ready, instead of before the first starts: the group scenario
   * wants its members sharing the work, not the first one done before the others joined.
   */
  readonly produceWhenReady?: boolean
  readonly faults?: SandboxFaultsInput
  /** Relay `moca` settings over the chaos timings. */
  readonly moca?: Record<string, unknown>
  /** How long the relays get, after the disruption, to give every input its outcome. */
  readonly finishTimeoutMs: number
}

/** What a scenario's disruption gets to work with. */
export interface TrialHandle {
  readonly supervisor: RelaySupervisor
  /** Seeded from the trial's seed, after the inputs were drawn. */
  readonly random: () => number
  readonly sandbox: SandboxHandle
  /** Slot names of the relays started at the beginning. */
  readonly slots: readonly string[]
  /** Resolves once the sandbox received `count` issue calls. */
  waitForCalls(count: number, timeoutMs: number): Promise<void>
  note(line: string): void
}

export interface TrialResult {
  readonly scenario: ScenarioName
  readonly trial: number
  readonly seed: number
  readonly events: number
  readonly kills: number
  readonly restarts: number
  /** Relays that exited by themselves (the supervisor restarted them). */
  readonly crashes: readonly string[]
  /** Relays that did not exit after SIGTERM. */
  readonly hangs: readonly string[]
  /** Every input had a terminal outcome before the timeout. */
  readonly finished: boolean
  readonly verdict: Verdict | null
  readonly seconds: number
  readonly notes: readonly string[]
  readonly ok: boolean
}

/**
 * Short timings, so a trial takes seconds: the same mechanisms as production, shorter waits. The
 * uncertainty window must cover the longest a late call can take to land (the sandbox's latency);
 * the session timeout is the broker's minimum, the time a killed relay holds its partitions.
 */
const CHAOS_RELAY_TIMINGS = {
  issue: { retry: { initialDelay: 50, maxDelay: 1_000, deadline: 60_000 } },
  confirm: { initialDelay: 100, maxDelay: 500, deadline: 60_000 },
  moca: { requestTimeout: 2_000, connectTimeout: 1_000, uncertaintyWindow: 3_000 },
  kafka: { sessionTimeout: 6_000, transactionTimeout: 10_000 },
  shutdown: { drainTimeout: 5_000 },
} as const

/** Time from issuance to ONCHAIN in the sandbox: the confirm stage polls a few times. */
const ONCHAIN_DELAY_MS = 200
/** A relay joins its groups and restores its ledgers in a few seconds on a quiet box. */
const READY_TIMEOUT_MS = 90_000
/** SIGTERM drains for shutdown.drainTimeout (5 s), then commits and exits. */
const STOP_GRACE_MS = 20_000
/** After the relays stopped, every transaction is resolved: reading to the end is quick. */
const READ_TO_END_TIMEOUT_MS = 30_000

/**
 * One trial: fresh topics and group, a fresh sandbox, the inputs produced, the relays started,
 * the scenario's disruption, then the relays get time to finish, are stopped with SIGTERM, the
 * outputs are read to the end with read_committed, and the judge gives its verdict.
 */
export async function runTrial(
  ctx: ChaosContext,
  kafka: KafkaEnvironment,
  spec: TrialSpec,
  disrupt: (trial: TrialHandle) => Promise<void>,
): Promise<TrialResult> {
  const started = Date.now()
  const prefix = `${ctx.runPrefix}-${spec.scenario}${spec.trial}`
  const notes: string[] = []
  const note = (line: string): void => {
    notes.push(line)
    ctx.log(`  ${spec.scenario} #${spec.trial}: ${line}`)
  }
  const random = createSeededRandom(spec.seed)
  const sandbox = await startSandbox({
    config: {
      partners: [{ partnerId: BENCH_PARTNER_ID, jwksUrl: ctx.jwksUrl }],
      programs: chaosPrograms(BENCH_PARTNER_ID),
      settings: { onchainDelayMs: ONCHAIN_DELAY_MS },
      faults: spec.faults ?? {},
      seed: spec.seed,
    },
  })
  // not under the relay's internal prefix (`<prefix>.`): the relay refuses to read its own topics
  const topics = { kyc: `${prefix}-input.kyc`, member: `${prefix}-input.member` }
  const outputTopics = benchOutputTopics(prefix)
  const relayConfig = benchRelayConfig({
    brokers: kafka.brokers,
    prefix,
    inputTopics: [],
    partitions: spec.partitions,
    sandboxUrl: sandbox.url,
    kid: ctx.key.kid,
    overrides: {
      ...CHAOS_RELAY_TIMINGS,
      moca: { ...CHAOS_RELAY_TIMINGS.moca, ...spec.moca },
    },
    routes: chaosRoutes(topics),
  })
  const supervisor = createRelaySupervisor({
    log: note,
    startRelay: (name) =>
      startRelayProcess({
        cliPath: ctx.cliPath,
        name: `${prefix}-${name}`,
        rawConfig: relayConfig,
        privateKeyPem: ctx.key.privateKeyPem,
        workDir: ctx.workDir,
      }),
  })
  kafka.trackGroup(prefix)
  kafka.trackGroup(confirmGroupId(prefix))
  kafka.trackGroup(`${prefix}.reader`)
  let reader: Awaited<ReturnType<typeof startOutputReader>> | undefined
  const result = (outcome: Pick<TrialResult, 'events' | 'finished' | 'verdict'>): TrialResult => ({
    scenario: spec.scenario,
    trial: spec.trial,
    seed: spec.seed,
    ...outcome,
    kills: supervisor.tally.kills,
    restarts: supervisor.tally.restarts,
    crashes: [...supervisor.tally.crashes],
    hangs: [...supervisor.tally.hangs],
    seconds: (Date.now() - started) / 1000,
    notes,
    ok:
      outcome.verdict !== null &&
      outcome.verdict.ok &&
      outcome.finished &&
      supervisor.tally.hangs.length === 0,
  })
  try {
    await Promise.all([
      kafka.createTopic(topics.kyc, spec.partitions),
      kafka.createTopic(topics.member, spec.partitions),
    ])
    const produce = (): Promise<ChaosInput[]> =>
      kafka.producer().then((producer) =>
        produceChaosInputs({
          producer,
          topics,
          partitions: spec.partitions,
          events: spec.events,
          users: Math.max(1, spec.users),
          userPrefix: prefix,
          random,
        }),
      )
    const slots = Array.from({ length: spec.relays }, (_, i) => `relay${i + 1}`)
    let inputs = spec.produceWhenReady ? [] : await produce()
    await Promise.all(slots.map((slot) => supervisor.start(slot)))
    // the relay creates its output topics; the reader subscribes once they exist
    await supervisor.waitReady(slots[0] ?? 'relay1', READY_TIMEOUT_MS)
    if (spec.produceWhenReady) {
      for (const slot of slots) await supervisor.waitReady(slot, READY_TIMEOUT_MS)
      inputs = await produce()
    }
    reader = await startOutputReader({
      kafka: kafka.kafka,
      admin: kafka.admin,
      groupId: `${prefix}.reader`,
      topics: [outputTopics.issued, outputTopics.onchain, outputTopics.failed],
    })
    await disrupt({
      supervisor,
      random,
      sandbox,
      slots,
      note,
      waitForCalls: async (count, timeoutMs) => {
        await waitUntil(() => (sandbox.calls.total >= count ? true : undefined), {
          what: `${count} issue calls (have ${sandbox.calls.total})`,
          timeoutMs,
          intervalMs: 10,
        })
      },
    })
    let finished = true
    try {
      await reader.waitForTerminal(inputs, spec.finishTimeoutMs)
    } catch (err) {
      finished = false
      note(`did not finish: ${(err as Error).message}`)
    }
    await supervisor.stopAll(STOP_GRACE_MS)
    for (const hang of supervisor.tally.hangs) note(`${hang} did not exit after SIGTERM`)
    await reader.readToEnd(READ_TO_END_TIMEOUT_MS)
    const calls = sandbox.calls.list()
    const faults = new Map<string, number>()
    for (const call of calls) {
      if (call.fault !== null) faults.set(call.fault, (faults.get(call.fault) ?? 0) + 1)
    }
    if (faults.size > 0) {
      const list = [...faults].map(([fault, n]) => `${n} ${fault}`).join(', ')
      note(`${calls.length} issue calls, faults injected: ${list}`)
    }
    const verdict = judgeTrial({ inputs, outputs: reader.records, calls })
    return result({ events: inputs.length, finished, verdict })
  } catch (err) {
    note(`trial failed: ${(err as Error).message}`)
    return result({ events: spec.events, finished: false, verdict: null })
  } finally {
    await supervisor.stopAll(STOP_GRACE_MS)
    await reader?.stop().catch(() => undefined)
    await sandbox.close()
    for (const start of [`${prefix}.`, `${prefix}-input.`]) {
      await kafka.deleteTopics(start).catch(() => undefined)
    }
  }
}
