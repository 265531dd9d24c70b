import type { Admin, Kafka } from 'kafkajs'
import type { RelayConfig } from '../config/relay-config.js'
import type { CompiledRoute } from '../domain/compile-routes.js'
import { compileRetryPolicy, type RetryPolicy } from '../domain/retry-policy.js'
import {
  ensureCoPartitioned,
  ensureTopics,
  ledgerTopicConfig,
  requireTopics,
} from '../kafka/topic-admin.js'
import { confirmLedgerTopic, confirmQueueTopic, issueLedgerTopic } from '../ledger/ledger-topics.js'
import type { MocaClient } from '../moca/moca-client.js'
import type { Logger } from '../ops/logger.js'
import {
  createRouteCircuit,
  pausesTopics,
  probePolicyOf,
  type CircuitSnapshot,
  type RouteCircuit,
} from './circuit-breaker.js'
import { createConfirmStage } from './confirm-stage.js'
import { createIssueStage } from './issue-stage.js'
import { livePolicy, type LedgerPolicy } from './ledger-policy.js'
import { createMocaFailureWarnings } from './moca-failure-warnings.js'
import { prepareTopicsOnceKnown } from './prepare-topics.js'
import type { EventDecoder, EventEncoder } from './ports.js'
import type { RelayMetrics } from './relay-metrics.js'
import { createDryRunStage } from './dry-run-stage.js'
import { stageReadinessReasons } from './stage-readiness.js'
import { createStageRunner, type PartitionStatus, type StageRunner } from './stage-runner.js'

export interface RelayDeps {
  readonly config: RelayConfig
  readonly kafka: Kafka
  readonly admin: Admin
  readonly routes: readonly CompiledRoute[]
  readonly decoder: EventDecoder
  readonly encoder: EventEncoder
  readonly moca: MocaClient
  readonly logger: Logger
  readonly metrics: RelayMetrics
  /** The consumer died beyond kafkajs's own restarts: the composition root exits. */
  readonly onCrash: (err: unknown) => void
  /**
   * How this run treats the ledger and which group it uses. The live relay by default; replay
   * and redrive pass their own run (own group, own transactional ids, own ledger rules).
   */
  readonly run?: RelayRun
}

export interface RelayRun {
  readonly name: string
  readonly issueGroupId: string
  readonly transactionalIdPrefix: string
  readonly ledgerPolicy: LedgerPolicy
  /** Also run the confirm stage (replays leave confirmation to the live relay). */
  readonly confirm: boolean
  /** Which input topics this run reads (a replay reads one). */
  readonly inputTopics?: readonly string[]
  /** Per `topic/partition`, the first offset not to process (see StageRunnerDeps.stopAt). */
  readonly stopAt?: ReadonlyMap<string, number>
  /** Per `topic/partition`, where the run starts (see StageRunnerDeps.startAt). */
  readonly startAt?: ReadonlyMap<string, number>
  /**
   * Decode, map and check the ledger only: no call, no output (see dry-run-stage.ts), and nothing
   * on the cluster changes — no topic created or grown, no transactional id, no offset commit.
   */
  readonly dryRun?: boolean
  /** Redrive: only these records (`topic/partition/offset`) are processed; the rest are skipped. */
  readonly only?: ReadonlySet<string>
  /** A fenced partition ends the run (see StageRunnerDeps.stopWhenFenced). */
  readonly stopWhenFenced?: boolean
}

export interface Readiness {
  readonly ready: boolean
  /** Why not, one line each, for /readyz. */
  readonly reasons: readonly string[]
}

export interface Relay {
  start(): Promise<void>
  stop(): Promise<void>
  readiness(): Readiness
  readonly circuits: readonly CircuitSnapshot[]
  readonly partitions: {
    readonly issue: readonly PartitionStatus[]
    readonly confirm: readonly PartitionStatus[]
  }
}

/** The confirm stage's consumer group: its own, beside the issue stage's `kafka.groupId`. */
export function confirmGroupId(groupId: string): string {
  return `${groupId}.confirm`
}

export function createRelay(deps: RelayDeps): Relay {
  const { config } = deps
  const log = deps.logger
  const prefix = config.topics.internalPrefix
  const txPrefix = config.kafka.transactionalIdPrefix ?? config.kafka.groupId
  const run: RelayRun = deps.run ?? {
    name: 'live',
    issueGroupId: config.kafka.groupId,
    transactionalIdPrefix: txPrefix,
    ledgerPolicy: livePolicy,
    confirm: config.confirm.enabled,
  }
  const inputTopics = run.inputTopics ?? [...new Set(deps.routes.flatMap((r) => [...r.topics]))]
  const confirmQueue = confirmQueueTopic(prefix)

  const retryPolicy: RetryPolicy = compileRetryPolicy({
    initialDelayMs: config.issue.retry.initialDelay,
    multiplier: config.issue.retry.multiplier,
    maxDelayMs: config.issue.retry.maxDelay,
    deadlineMs: config.issue.retry.deadline,
    jitter: 'full',
    maxRetryAfterMs: config.issue.retry.maxRetryAfter,
  })
  const pollPolicy: RetryPolicy = compileRetryPolicy({
    initialDelayMs: config.confirm.initialDelay,
    multiplier: config.confirm.multiplier,
    maxDelayMs: config.confirm.maxDelay,
    deadlineMs: config.confirm.deadline,
    jitter: 'none',
    maxRetryAfterMs: config.issue.retry.maxRetryAfter,
  })
  const probePolicy = probePolicyOf({
    initialDelayMs: config.issue.circuit.probeInitialDelay,
    maxDelayMs: config.issue.circuit.probeMaxDelay,
  })

  const failureWarnings = createMocaFailureWarnings({ logger: log })
  let issueRunner: StageRunner | null = null
  const circuits = new Map<string, RouteCircuit>()
  const openRoutesByTopic = new Map<string, Set<string>>()
  /** A route's circuit; when open it pauses the route's input topics (none for a removed route). */
  const newCircuit = (name: string, topics: Iterable<string>): RouteCircuit =>
    createRouteCircuit({
      route: name,
      probePolicy,
      // The circuit logs its own transitions (opened, probe refused, closed).
      logger: log,
      onChange: (snapshot) => {
        deps.metrics.circuit(name, snapshot.state !== 'closed')
        const open = pausesTopics(snapshot.state)
        for (const topic of topics) {
          const openRoutes = openRoutesByTopic.get(topic) ?? new Set<string>()
          if (open) openRoutes.add(name)
          else openRoutes.delete(name)
          openRoutesByTopic.set(topic, openRoutes)
          issueRunner?.setTopicBlocked(
            topic,
            openRoutes.size > 0,
            `circuit open for route ${[...openRoutes].join(', ')}`,
          )
        }
      },
    })
  for (const route of deps.routes) circuits.set(route.name, newCircuit(route.name, route.topics))
  /**
   * A confirm request names the route that issued it, which a later config may have renamed or
   * removed: its credential is issued all the same and must still be confirmed, so such a route
   * gets a circuit of its own, pausing no topic.
   */
  const circuitOf = (route: string): RouteCircuit => {
    let circuit = circuits.get(route)
    if (!circuit) {
      log.warn(
        { route },
        'confirming credentials of a route the config no longer has; they are polled as before',
      )
      circuit = newCircuit(route, [])
      circuits.set(route, circuit)
    }
    return circuit
  }

  /** What both stages' runners share: the clients, Kafka's timings, the batching, the drain. */
  const runnerBase = {
    kafka: deps.kafka,
    admin: deps.admin,
    transactionTimeoutMs: config.kafka.transactionTimeout,
    sessionTimeoutMs: config.kafka.sessionTimeout,
    fetchMaxWaitMs: config.kafka.fetchMaxWait,
    metadataMaxAgeMs: config.kafka.metadataMaxAge,
    compression: config.kafka.compression,
    lingerMs: config.issue.commitInterval,
    ledgerRetentionMs: config.ledger.retention,
    drainMs: config.shutdown.drainTimeout,
    logger: log,
    metrics: deps.metrics,
    onCrash: deps.onCrash,
  }

  issueRunner = createStageRunner({
    ...runnerBase,
    stage: 'issue',
    groupId: run.issueGroupId,
    inputTopics,
    ledgerTopicOf: (topic) => issueLedgerTopic(prefix, topic),
    transactionalIdOf: (topic, partition) =>
      `${run.transactionalIdPrefix}.issue.${topic}.${partition}`,
    maxInFlight: config.issue.maxInFlight,
    initialInFlight: config.issue.initialInFlight,
    ...(run.stopAt ? { stopAt: run.stopAt } : {}),
    ...(run.startAt ? { startAt: run.startAt } : {}),
    ...(run.dryRun ? { dryRun: true } : {}),
    ...(run.stopWhenFenced ? { stopWhenFenced: true } : {}),
    createProcessor: run.dryRun
      ? createDryRunStage({
          decoder: deps.decoder,
          routes: deps.routes,
          retryPolicy,
          ledgerPolicy: run.ledgerPolicy,
          metrics: deps.metrics,
          ...(run.only ? { only: run.only } : {}),
        })
      : createIssueStage({
          decoder: deps.decoder,
          encoder: deps.encoder,
          routes: deps.routes,
          moca: deps.moca,
          circuitOf,
          retryPolicy,
          ledgerPolicy: run.ledgerPolicy,
          topics: { issued: config.topics.issued, failed: config.topics.failed, confirmQueue },
          uncertaintyWindowMs: config.moca.uncertaintyWindow,
          metrics: deps.metrics,
          failureWarnings,
          ...(run.only ? { only: run.only } : {}),
        }),
  })

  const confirmRunner: StageRunner | null = run.confirm
    ? createStageRunner({
        ...runnerBase,
        stage: 'confirm',
        groupId: confirmGroupId(config.kafka.groupId),
        inputTopics: [confirmQueue],
        ledgerTopicOf: () => confirmLedgerTopic(prefix),
        transactionalIdOf: (_topic, partition) => `${txPrefix}.confirm.${partition}`,
        maxInFlight: config.confirm.maxInFlight,
        createProcessor: createConfirmStage({
          encoder: deps.encoder,
          moca: deps.moca,
          circuitOf,
          pollPolicy,
          notFoundGraceMs: config.confirm.notFoundGrace,
          topics: { onchain: config.topics.onchain, failed: config.topics.failed },
          run: run.ledgerPolicy.run,
          metrics: deps.metrics,
          failureWarnings,
        }),
      })
    : null

  /** Stops a start-up that is still waiting for its topics. */
  const stopping = new AbortController()
  const runners = (): StageRunner[] =>
    [issueRunner, confirmRunner].filter((r): r is StageRunner => r !== null)

  return {
    async start() {
      await prepareTopicsOnceKnown({ logger: log, signal: stopping.signal }, prepareTopics)
      if (stopping.signal.aborted) return
      // Each start waits for its group join; the stages join independently.
      await Promise.all(runners().map((runner) => runner.start()))
      log.info(
        { run: run.name, inputTopics, routes: deps.routes.map((r) => r.name) },
        'relay started',
      )
    },
    async stop() {
      stopping.abort()
      // Both stages drain at once, so a shutdown waits shutdown.drainTimeout once, not once per
      // stage (the run command allows drainTimeout plus the closing work). The confirm stage
      // need not wait for the issue stage: confirm requests its last commits queue are read by
      // the confirm partition's next owner.
      await Promise.all(runners().map((runner) => runner.stop()))
    },
    readiness() {
      const reasons: string[] = []
      for (const [name, runner] of [
        ['issue', issueRunner],
        ['confirm', confirmRunner],
      ] as const) {
        if (runner) reasons.push(...stageReadinessReasons(name, runner))
      }
      for (const circuit of circuits.values()) {
        const snapshot = circuit.snapshot
        if (snapshot.state !== 'closed') {
          reasons.push(
            `circuit open for route ${snapshot.route}: ${snapshot.reason?.code ?? ''} ${snapshot.reason?.message ?? ''}`.trim(),
          )
        }
      }
      return { ready: reasons.length === 0, reasons }
    },
    get circuits() {
      return [...circuits.values()].map((c) => c.snapshot)
    },
    get partitions() {
      return { issue: issueRunner?.partitions ?? [], confirm: confirmRunner?.partitions ?? [] }
    },
  }

  async function prepareTopics(): Promise<void> {
    const adminDeps = {
      admin: deps.admin,
      replicationFactor: config.topics.replicationFactor,
      logger: log,
    }
    await requireTopics(deps.admin, inputTopics)
    // A dry run reads the ledgers that exist (StageRunnerDeps.dryRun) and creates nothing: the
    // topics are the live relay's to create, with its config.
    if (run.dryRun) return
    if (config.topics.create) {
      const partitions = config.topics.partitions
      await ensureTopics(adminDeps, [
        { topic: config.topics.issued, partitions },
        { topic: config.topics.onchain, partitions },
        { topic: config.topics.failed, partitions },
        { topic: confirmQueue, partitions },
      ])
    }
    const ledger = ledgerTopicConfig(config.ledger.retention)
    await ensureCoPartitioned(adminDeps, [
      ...inputTopics.map((topic) => ({
        home: topic,
        ledger: issueLedgerTopic(prefix, topic),
        config: ledger,
      })),
      ...(run.confirm
        ? [{ home: confirmQueue, ledger: confirmLedgerTopic(prefix), config: ledger }]
        : []),
    ])
  }
}
