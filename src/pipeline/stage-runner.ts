import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs'
import { compileRetryPolicy, nextRetry, type RetryPolicy } from '../domain/retry-policy.js'
import { DEFAULTS } from '../config/defaults.js'
import { isRelayError } from '../errors/relay-error.js'
import { ACL_MISSING, isAuthorizationFailure } from '../kafka/authorization-failure.js'
import { createCoPartitionedAssigner } from '../kafka/co-partitioned-assigner.js'
import { causeChain, originalCause } from '../kafka/kafkajs-error-chain.js'
import type { InputRecord } from '../kafka/input-record.js'
import { openPartitionTransactions } from '../kafka/partition-transactions.js'
import type { OutputCompression } from '../kafka/output-compression.js'
import { ensureLedgerPartition } from '../kafka/topic-admin.js'
import type { Logger } from '../ops/logger.js'
import { openDryRunTransactions } from './dry-run-transactions.js'
import {
  FailureOrigin,
  PartitionWorker,
  WorkerState,
  type CreatePartitionProcessor,
} from './partition-worker.js'
import type { RelayMetrics, StageName } from './relay-metrics.js'

export interface StageRunnerDeps {
  readonly stage: StageName
  readonly kafka: Kafka
  readonly admin: Admin
  readonly groupId: string
  readonly inputTopics: readonly string[]
  readonly ledgerTopicOf: (inputTopic: string) => string
  readonly transactionalIdOf: (inputTopic: string, partition: number) => string
  readonly transactionTimeoutMs: number
  readonly sessionTimeoutMs: number
  /** kafkajs maxWaitTimeInMs: the broker's fetch wait, and the consumer's sleep when all is paused. */
  readonly fetchMaxWaitMs: number
  /**
   * How often the consumer and the producers refresh the cluster metadata: the consumer sees a
   * partition added to an input topic (and rejoins its group to get it) within this long.
   * @default kafkajs's, 5 min
   */
  readonly metadataMaxAgeMs?: number
  /** The codec of the batches its transactions write (kafka.compression). @default 'none' */
  readonly compression?: OutputCompression
  readonly createProcessor: CreatePartitionProcessor
  /**
   * Records whose work still runs, per partition, before the partition pauses; records done but
   * not yet committed (behind a slow one) are bounded at UNCOMMITTED_PER_SLOT times as many.
   */
  readonly maxInFlight: number
  /**
   * A new partition worker's budget; every commit adds the records it completed, up to
   * maxInFlight (a slow start: the budget doubles per round trip). Default: maxInFlight.
   */
  readonly initialInFlight?: number
  readonly lingerMs: number
  readonly ledgerRetentionMs: number
  readonly drainMs: number
  readonly logger: Logger
  readonly metrics: RelayMetrics
  /**
   * The consumer died of an error that joining the group again will not cure (an ACL, a bad
   * setting): the process should exit. Kafka out of reach is not such an error: the stage joins
   * again, for as long as it takes.
   */
  readonly onCrash: (err: unknown) => void
  /**
   * Replays: per input partition (`topic/partition`), the first offset not to process. Records
   * at or past it are left alone, so a run covers exactly its range.
   */
  readonly stopAt?: ReadonlyMap<string, number>
  /**
   * Replays: per input partition, where the run starts. A partition whose group has committed
   * nothing at or past it is moved there when its worker starts (a fresh run, or a rebalance
   * before the first commit); a resumed run continues from its commits.
   */
  readonly startAt?: ReadonlyMap<string, number>
  /**
   * Leave the cluster as it is (a dry run): no transactional producer, no offset commit (each
   * partition's committed offset is kept in memory), no topic created, and a ledger topic that
   * does not exist reads as an empty ledger. Only the consumer group is joined, to read.
   * @default false
   */
  readonly dryRun?: boolean
  /**
   * Range runs: a fenced partition ends the run (through `onCrash`) instead of being taken over
   * again. Range runs share one transactional id per input partition, so a fence there means
   * another replay or redrive took the partition: taking it back would fence that run in turn,
   * each restoring the other's work and, under `--reissue`, issuing it once more.
   * @default false
   */
  readonly stopWhenFenced?: boolean
}

/** An error as readiness names it. */
export interface FailureSummary {
  /** The error's code (a RelayError's), else its name (a bug: TypeError…). */
  readonly code: string
  readonly message: string
}

/** The failure that last stopped a partition. */
export interface PartitionStop extends FailureSummary {
  readonly origin: FailureOrigin
}

export interface PartitionStatus {
  readonly topic: string
  readonly partition: number
  readonly state: WorkerState | 'starting'
  /** Records whose work still runs: what the in-flight budget bounds. */
  readonly inFlight: number
  /** Records admitted and not yet committed, done or not: what a restart would read again. */
  readonly uncommitted: number
  readonly paused: readonly string[]
  /** The next offset to admit. */
  readonly nextOffset: number
  /** The offset this run last committed in a transaction, if any. */
  readonly committedOffset: number | null
  /** Entries the partition's in-memory ledger holds (0 until its worker exists). */
  readonly ledgerEntries: number
  /** How far the consumer has read this partition, transaction markers included. */
  readonly fetchedTo: number
  /**
   * What last stopped the partition, until it commits again: meanwhile it waits to be rebuilt,
   * or was rebuilt and has not got past the records it stopped at.
   */
  readonly stoppedBy: PartitionStop | null
}

export interface StageRunner {
  start(): Promise<void>
  /** Stops intake, drains in-flight work up to the drain timeout, commits, leaves the group. */
  stop(): Promise<void>
  /** Pauses (true) or resumes consumption of a topic, e.g. while a route's circuit is open. */
  setTopicBlocked(topic: string, blocked: boolean, reason: string): void
  readonly partitions: readonly PartitionStatus[]
  /** True while the consumer is in its group and every assigned partition is restored. */
  readonly ready: boolean
  /** The consumer is in its group: it joined, and has not crashed or stopped since. */
  readonly joined: boolean
  /** What made the consumer crash, until it joins its group again. */
  readonly crashedWith: FailureSummary | null
  /**
   * How long Kafka has not answered the consumer (no fetch, no heartbeat), once that is longer
   * than the session timeout: the broker has dropped the member by then. Null while it answers.
   */
  readonly silentForMs: number | null
}

/** Taking over a partition is retried quickly at first (a leader election takes ~100 ms), then every 5 s. */
const TAKEOVER_RETRY: RetryPolicy = compileRetryPolicy({
  initialDelayMs: 200,
  multiplier: 2,
  maxDelayMs: 5_000,
  deadlineMs: Number.POSITIVE_INFINITY,
  jitter: 'full',
  maxRetryAfterMs: 0,
})

/**
 * A partition that fails again before it commits anything is rebuilt after a growing delay: a
 * failure that rebuilding does not cure (an output event its registered schema refuses) would
 * otherwise rebuild it, redo its calls and fail again in a hot loop. The first rebuild is at once.
 */
/**
 * Joining the group again after the consumer crashed: soon after a blip, every 30 s through a
 * long outage.
 */
const REJOIN_RETRY: RetryPolicy = compileRetryPolicy({
  initialDelayMs: 500,
  multiplier: 2,
  maxDelayMs: 30_000,
  deadlineMs: Number.POSITIVE_INFINITY,
  jitter: 'full',
  maxRetryAfterMs: 0,
})

const REBUILD_RETRY: RetryPolicy = compileRetryPolicy({
  initialDelayMs: 1_000,
  multiplier: 2,
  maxDelayMs: 30_000,
  deadlineMs: Number.POSITIVE_INFINITY,
  jitter: 'none',
  maxRetryAfterMs: 0,
})

/** Resume a budget-paused partition only once this share of the budget is free again. */
const RESUME_BELOW_SHARE = 0.75

/**
 * Records done but not yet committed (behind a slow one at the watermark) per partition, as a
 * multiple of maxInFlight: they hold no work, only a number each, and a restart reads them again
 * (the ledger skips them). Bounded, so a key stuck for long cannot grow the window without end.
 */
const UNCOMMITTED_PER_SLOT = 16

const key = (topic: string, partition: number): string => `${topic}/${partition}`

/**
 * kafkajs's pause, resume and seek throw this (no code to match on) between a consumer crash and
 * its restart, when it has no consumer group.
 */
export function isConsumerRestarting(err: unknown): boolean {
  return (
    (err as { name?: unknown }).name === 'KafkaJSNonRetriableError' &&
    String((err as { message?: unknown }).message).includes('Consumer group was not initialized')
  )
}

/** kafkajs errors that say Kafka is out of reach, whatever kafkajs concluded about retrying. */
const OUT_OF_REACH = new Set([
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
])

/**
 * Whether joining the group again may cure what crashed the consumer. kafkajs restarts a consumer
 * whose error (or its root cause) is retriable, but once its retries run out with no broker
 * answering, the coordinator lookup throws KafkaJSGroupCoordinatorNotFound, which it counts as
 * final: a broker outage longer than the retries would end the consumer for good. Kafka out of
 * reach is cured by waiting; a refusal (an ACL, SASL credentials, a setting the broker rejects)
 * is not, and asking again forever would only hide it.
 */
export function mayRejoin(err: unknown): boolean {
  const chain = causeChain(err)
  const refused = chain.some(
    (e) =>
      isAuthorizationFailure((e as { type?: unknown }).type) ||
      e.name === 'KafkaJSSASLAuthenticationError',
  )
  if (refused) return false
  const outOfReach = chain.some((e) => OUT_OF_REACH.has(e.name))
  return outOfReach || (originalCause(err) as { retriable?: unknown }).retriable === true
}

/**
 * Drives one stage (issue or confirm) over a kafkajs consumer group: owns the partition workers,
 * creates them on assignment (fence, then restore the co-partitioned ledger), routes batches,
 * pauses partitions for any of their reasons (restoring, in-flight budget, a blocked topic), and
 * stops them on revocation and shutdown.
 */
export function createStageRunner(deps: StageRunnerDeps): StageRunner {
  const log = deps.logger.child({ stage: deps.stage })
  const homeOf = new Map(deps.inputTopics.map((topic) => [deps.ledgerTopicOf(topic), topic]))
  const consumer: Consumer = deps.kafka.consumer({
    groupId: deps.groupId,
    sessionTimeout: deps.sessionTimeoutMs,
    heartbeatInterval: DEFAULTS.kafka.heartbeatIntervalMs,
    // Our batches return at once, so kafkajs heartbeats often; rebalances need no long timeout.
    rebalanceTimeout: Math.max(deps.sessionTimeoutMs, 30_000),
    partitionAssigners: [createCoPartitionedAssigner(homeOf)],
    readUncommitted: false,
    maxWaitTimeInMs: deps.fetchMaxWaitMs,
    ...(deps.metadataMaxAgeMs === undefined ? {} : { metadataMaxAge: deps.metadataMaxAgeMs }),
    // by default kafkajs asks the broker to create a subscribed topic that is missing
    ...(deps.dryRun ? { allowAutoTopicCreation: false } : {}),
    // The runner joins again itself (see mayRejoin): kafkajs's own restart gives up on a long
    // outage, and runs from a timer whose failure nothing handles.
    retry: { restartOnFailure: async () => false },
  })

  const workers = new Map<string, PartitionWorker>()
  /** Partitions assigned to us whose worker is still being created. */
  const starting = new Set<string>()
  /** Failed takeovers per partition, for the retry backoff. */
  const takeoverAttempts = new Map<string, number>()
  /** Failures per partition since it last committed, for the rebuild backoff. */
  const failuresSinceCommit = new Map<string, number>()
  /** Per assigned partition, the failure that stopped it since it last committed. */
  const stoppedBy = new Map<string, PartitionStop>()
  let assigned = new Set<string>()
  let generation = 0
  let joined = false
  let crashedWith: FailureSummary | null = null
  /** When Kafka last answered the consumer (a fetch, a heartbeat, a join); null before any. */
  let lastAnswerAt: number | null = null
  const silentForMs = (): number | null => {
    if (lastAnswerAt === null) return null
    const silent = Date.now() - lastAnswerAt
    return silent > deps.sessionTimeoutMs ? silent : null
  }
  let stopping = false
  /** The pending attempt to join the group again after a crash, and how many came before it. */
  let rejoinTimer: NodeJS.Timeout | undefined
  let rejoinAttempts = 0
  const blockedTopics = new Map<string, string>()
  const budgetPaused = new Set<string>()
  /** Partitions whose replay range is fully admitted. */
  const rangeDone = new Set<string>()
  /** Per input partition, the offset after the last record fetched, control records included. */
  const fetchedTo = new Map<string, number>()
  const noteFetched = (k: string, offset: number): void => {
    if (offset > (fetchedTo.get(k) ?? 0)) fetchedTo.set(k, offset)
  }
  /**
   * The lag is what the partition holds past this stage's position, the offset after the last
   * record admitted or control record read: the next offset to admit alone would leave a
   * transaction's commit marker behind the last record counted as lag for good.
   */
  const reportLag = (topic: string, partition: number, highWatermark: number): void => {
    const k = key(topic, partition)
    const worker = workers.get(k)
    if (!worker) return
    const position = Math.max(worker.tracker.nextOffset, fetchedTo.get(k) ?? 0)
    deps.metrics.lag(deps.stage, topic, partition, Math.max(0, highWatermark - position))
  }
  /** Input partitions currently paused in kafkajs (so we only call pause/resume on changes). */
  const pausedInputs = new Set<string>()
  /** A dry run's committed offset per input partition: it commits nothing to Kafka. */
  const dryRunCommitted = new Map<string, number>()
  /**
   * Where a range run starts a partition. A dry run resumes after what it committed in memory:
   * with no commit in Kafka, kafkajs restarts a partition at the earliest offset after a rebalance.
   */
  const startOf = (k: string): number | undefined => {
    const start = deps.startAt?.get(k)
    const committed = dryRunCommitted.get(k)
    return committed === undefined ? start : Math.max(start ?? committed, committed)
  }

  const pauseReasons = (topic: string, partition: number): string[] => {
    const k = key(topic, partition)
    const reasons: string[] = []
    if (stopping) reasons.push('stopping')
    const worker = workers.get(k)
    if (!worker || worker.state !== WorkerState.ready) reasons.push('restoring')
    if (budgetPaused.has(k)) reasons.push('in-flight budget full')
    if (rangeDone.has(k)) reasons.push('end of the range')
    const blocked = blockedTopics.get(topic)
    if (blocked) reasons.push(blocked)
    return reasons
  }

  /**
   * Brings kafkajs's pause state of an input partition in line with its reasons; `force` sends
   * it even if we think kafkajs has it already (after a consumer restart it has forgotten).
   */
  const applyPause = (topic: string, partition: number, force = false): void => {
    const k = key(topic, partition)
    const shouldPause = pauseReasons(topic, partition).length > 0
    try {
      if (shouldPause && (force || !pausedInputs.has(k))) {
        consumer.pause([{ topic, partitions: [partition] }])
        pausedInputs.add(k)
      } else if (!shouldPause && (force || pausedInputs.has(k))) {
        consumer.resume([{ topic, partitions: [partition] }])
        pausedInputs.delete(k)
      }
    } catch (err) {
      // While kafkajs restarts its consumer after a crash (the broker went away) it has no group,
      // and pause/resume throw. The restarted consumer joins again, and the GROUP_JOIN handler
      // re-applies every partition's state; records fetched meanwhile for a partition that is
      // not ready are left unresolved and fetched again.
      if (!isConsumerRestarting(err)) throw err
      log.warn(
        { err, topic, partition },
        'the consumer is restarting; pause state applied at the next join',
      )
    }
  }

  /** Most records done but not committed a partition holds: see UNCOMMITTED_PER_SLOT. */
  const maxUncommitted = deps.maxInFlight * UNCOMMITTED_PER_SLOT
  const overBudget = (worker: PartitionWorker): boolean =>
    worker.tracker.running >= worker.budget || worker.tracker.inFlight >= maxUncommitted
  const belowResume = (worker: PartitionWorker): boolean =>
    worker.tracker.running < worker.budget * RESUME_BELOW_SHARE &&
    worker.tracker.inFlight < maxUncommitted * RESUME_BELOW_SHARE

  const onCommitted = (worker: PartitionWorker): void => {
    const k = key(worker.topic, worker.partition)
    const offset = worker.tracker.lastCommittedOffset
    if (deps.dryRun && offset !== null)
      dryRunCommitted.set(k, Math.max(offset, dryRunCommitted.get(k) ?? offset))
    // A dying or replaced worker's last flush commits what it finished: its failures still count,
    // and the partition's pause is its successor's.
    if (workers.get(k) !== worker) return
    // (reported here, not by the worker: a revoked worker's last commit must not bring back the
    // gauge its partition's release removed)
    deps.metrics.inFlight(deps.stage, worker.topic, worker.partition, worker.tracker.running)
    failuresSinceCommit.delete(k)
    stoppedBy.delete(k)
    if (budgetPaused.has(k) && belowResume(worker)) {
      budgetPaused.delete(k)
      applyPause(worker.topic, worker.partition)
    }
  }

  const onFatal = (
    worker: PartitionWorker,
    err: unknown,
    origin: FailureOrigin,
    offset?: number | string,
  ): void => {
    const k = key(worker.topic, worker.partition)
    if (workers.get(k) !== worker) return
    workers.delete(k)
    // The budget and the position were this worker's; its successor starts from the last commit.
    budgetPaused.delete(k)
    fetchedTo.delete(k)
    rangeDone.delete(k)
    applyPause(worker.topic, worker.partition)
    const fenced = isRelayError(err) && err.code === 'KAFKA_FENCED'
    // a missing ACL is not fixed by trying again at once: wait as for a fence, then try again
    const refused = isRelayError(err) && err.code === 'KAFKA_NOT_AUTHORIZED'
    const failures = (failuresSinceCommit.get(k) ?? 0) + 1
    failuresSinceCommit.set(k, failures)
    const decision = nextRetry(REBUILD_RETRY, { attempts: failures - 1, startedAt: 0, now: 0 })
    const rebuildInMs =
      failures === 1 ? 0 : decision.kind === 'retry' ? decision.delayMs : REBUILD_RETRY.maxDelayMs
    const stop = stopOf(origin, err)
    stoppedBy.set(k, stop)
    if (fenced && deps.stopWhenFenced) {
      log.error(
        { err, topic: worker.topic, partition: worker.partition },
        'partition fenced by another run with the same transactional id; this run stops',
      )
      void worker.stop(0)
      if (!stopping) deps.onCrash(err)
      return
    }
    const when = rebuildInMs === 0 ? 'at once' : `in ${rebuildInMs / 1000} s`
    log.error(
      {
        err,
        topic: worker.topic,
        partition: worker.partition,
        ...(offset === undefined ? {} : { offset }),
        failures,
        rebuildInMs,
      },
      fenced
        ? 'partition fenced; taking it over again unless a rebalance moves it within the session timeout'
        : refused
          ? `Kafka refused the partition a transaction (${ACL_MISSING}); trying again after the session timeout`
          : origin === FailureOrigin.transaction
            ? `transaction failed (${stop.code}); rebuilding the partition from its last commit ${when}`
            : isRelayError(err)
              ? `partition stopped: ${stop.code}; rebuilding it from its last commit ${when}`
              : `bug in the ${deps.stage} stage (${stop.code}); rebuilding the partition from its last commit ${when}`,
    )
    const fencedIn = generation
    const rebuild = (): void => {
      if (stopping || !assigned.has(k) || workers.has(k) || starting.has(k)) return
      // Read once the worker stopped: its last flush may have committed past where it stood when
      // it failed, and the records it committed there must not be read (and published) again.
      const resumeAt = worker.resumeOffset
      try {
        if (resumeAt !== null)
          consumer.seek({
            topic: worker.topic,
            partition: worker.partition,
            offset: String(resumeAt),
          })
      } catch (err) {
        // kafkajs is restarting its consumer: the join that follows restarts the partition
        // from its committed offset (reconcile)
        if (!isConsumerRestarting(err)) throw err
        return
      }
      void startWorker(worker.topic, worker.partition, generation)
    }
    void worker.stop(0).then(() => {
      if (!fenced && !refused) {
        if (rebuildInMs === 0) return rebuild()
        return void setTimeout(rebuild, rebuildInMs).unref()
      }
      // A newer owner fences us only after the group gave it the partition: our consumer learns
      // of that rebalance at its next heartbeat, well within the session timeout. Still ours in
      // the same generation after that, the fence came from the transaction coordinator instead
      // (it aborts a transaction that outlived a broker restart by bumping the epoch), and no
      // rebalance will ever come: the partition is taken over again, or it would stall for good.
      setTimeout(() => {
        if (generation === fencedIn) rebuild()
      }, deps.sessionTimeoutMs).unref()
    })
  }

  const startWorker = async (
    topic: string,
    partition: number,
    startedIn: number,
  ): Promise<void> => {
    const k = key(topic, partition)
    const ledgerTopic = deps.ledgerTopicOf(topic)
    starting.add(k)
    applyPause(topic, partition)
    /** Open once fenced; closed here unless a worker took it over. */
    let transactions: Awaited<ReturnType<typeof openPartitionTransactions>> | undefined
    let handedOver = false
    /** The relay stops, or the partition went to another member while we took it over. */
    const gone = (): boolean => stopping || (startedIn !== generation && !assigned.has(k))
    try {
      // The input topic may have grown while the relay ran (start-up grows the ledgers only
      // once): its new partition gets its ledger partition before anything is restored or
      // admitted, and before the producer reads the metadata it will send ledger records by.
      if (!deps.dryRun)
        await ensureLedgerPartition(
          { admin: deps.admin, logger: log },
          { home: topic, ledger: ledgerTopic },
          partition,
        )
      // Fence first, then measure the ledger: every intent an earlier owner committed is then
      // below the end offset we restore up to, and it can commit nothing more. (A dry run writes
      // nothing, so it fences nothing.)
      const transactionalId = deps.transactionalIdOf(topic, partition)
      transactions = deps.dryRun
        ? openDryRunTransactions(transactionalId)
        : await openPartitionTransactions({
            kafka: deps.kafka,
            transactionalId,
            consumerGroupId: deps.groupId,
            transactionTimeoutMs: deps.transactionTimeoutMs,
            ...(deps.metadataMaxAgeMs === undefined
              ? {}
              : { metadataMaxAgeMs: deps.metadataMaxAgeMs }),
            ...(deps.compression === undefined ? {} : { compression: deps.compression }),
            logger: log,
          })
      // (a dry run reads a ledger topic that does not exist as empty: start() left it out)
      const offsets = homeOf.has(ledgerTopic) ? await deps.admin.fetchTopicOffsets(ledgerTopic) : []
      const ledgerOffsets = offsets.find((o) => o.partition === partition)
      // Restore reads from the log's start: retention ('compact,delete') may have deleted every
      // record of a quiet partition (start = end), and then there is nothing to read or wait for.
      const ledgerStart = ledgerOffsets?.low ?? '0'
      const ledgerEnd = Number(ledgerOffsets?.high ?? 0)
      const restoreTarget = Number(ledgerStart) >= ledgerEnd ? 0 : ledgerEnd
      // The input starts at the group's commit as it stands after the fence. kafkajs read it when
      // the partition was assigned, before the fence: the previous owner's last transaction may
      // have committed its offset since (it was fenced only now), and the records it committed
      // there must not be read again: the confirm stage keeps no ledger entry for a credential
      // whose onchain event was committed with its offset, and would publish it a second time.
      // A replay starts where it was asked to, unless the group is already past it.
      const start = startOf(k)
      let seekTo: number | undefined
      if (deps.dryRun) {
        // its group holds no commit, so kafkajs would start at the earliest offset
        seekTo = start
      } else {
        const committed = await deps.admin.fetchOffsets({ groupId: deps.groupId, topics: [topic] })
        const offset = Number(
          committed[0]?.partitions.find((p) => p.partition === partition)?.offset ?? -1,
        )
        if (start !== undefined && offset < start) seekTo = start
        else if (offset >= 0) seekTo = offset
      }
      if (gone()) return
      const worker = new PartitionWorker({
        stage: deps.stage,
        topic,
        partition,
        ledgerTopic,
        transactions,
        createProcessor: deps.createProcessor,
        lingerMs: deps.lingerMs,
        ledgerRetentionMs: deps.ledgerRetentionMs,
        initialInFlight: Math.min(deps.initialInFlight ?? deps.maxInFlight, deps.maxInFlight),
        maxInFlight: deps.maxInFlight,
        restoreTarget,
        logger: log.child({ topic, partition }),
        metrics: deps.metrics,
        onCommitted,
        onFatal,
      })
      // From here on nothing awaits: the worker is registered with its seeks, or not at all.
      if (seekTo !== undefined) consumer.seek({ topic, partition, offset: String(seekTo) })
      workers.set(k, worker)
      handedOver = true
      if (worker.state === WorkerState.restoring) {
        consumer.seek({ topic: ledgerTopic, partition, offset: ledgerStart })
        consumer.resume([{ topic: ledgerTopic, partitions: [partition] }])
      }
    } catch (err) {
      // E.g. a ledger topic created a moment ago whose leader is not known yet: try again while
      // the partition is still ours. Waiting for a rebalance would wait forever alone in a group.
      const attempts = (takeoverAttempts.get(k) ?? 0) + 1
      takeoverAttempts.set(k, attempts)
      const decision = nextRetry(TAKEOVER_RETRY, { attempts, startedAt: 0, now: 0 })
      const delayMs = decision.kind === 'retry' ? decision.delayMs : TAKEOVER_RETRY.maxDelayMs
      const fields = { err, topic, partition, attempt: attempts, retryInMs: delayMs }
      if (isRelayError(err) && err.classification === 'systemic') {
        // An operator must act (an ACL, a ledger to grow): nothing is read from the partition
        // meanwhile, and /readyz says why.
        stoppedBy.set(k, stopOf(FailureOrigin.stage, err))
        log.error(
          fields,
          err.code === 'KAFKA_NOT_AUTHORIZED'
            ? `Kafka refused what the partition needs (${ACL_MISSING}); nothing is read from it until then; retrying`
            : `could not take the partition over (${err.code}); nothing is read from it until that is fixed; retrying`,
        )
      } else {
        log.warn(fields, 'could not take over the partition yet; retrying')
      }
      setTimeout(() => {
        if (!stopping && assigned.has(k) && !workers.has(k) && !starting.has(k))
          void startWorker(topic, partition, generation)
      }, delayMs).unref()
    } finally {
      // a takeover that failed, or found the partition gone, leaves no producer behind
      if (!handedOver && transactions !== undefined) void transactions.close().catch(() => {})
      starting.delete(k)
      applyPause(topic, partition)
    }
    if (workers.has(k)) takeoverAttempts.delete(k)
  }

  const reconcile = (memberAssignment: Record<string, number[]>): void => {
    generation++
    const next = new Set<string>()
    for (const [topic, partitions] of Object.entries(memberAssignment)) {
      if (homeOf.has(topic)) {
        // Ledger partitions are read only while their worker restores.
        const paused = partitions.filter(
          (p) => workers.get(key(homeOf.get(topic) as string, p))?.state !== WorkerState.restoring,
        )
        if (paused.length > 0) consumer.pause([{ topic, partitions: paused }])
        continue
      }
      for (const partition of partitions) next.add(key(topic, partition))
    }
    for (const [k, worker] of workers) {
      if (next.has(k)) continue
      workers.delete(k)
      budgetPaused.delete(k)
      fetchedTo.delete(k)
      rangeDone.delete(k)
      log.info({ topic: worker.topic, partition: worker.partition }, 'partition revoked')
      void worker.stop(0)
    }
    // (a stopped partition waiting to be rebuilt has no worker)
    for (const k of stoppedBy.keys()) if (!next.has(k)) stoppedBy.delete(k)
    for (const k of assigned) {
      if (next.has(k)) continue
      const [topic, partition] = splitKey(k)
      deps.metrics.partitionReleased(deps.stage, topic, partition)
    }
    assigned = next
    for (const k of next) {
      const [topic, partition] = splitKey(k)
      // forced: a consumer kafkajs restarted joins with nothing paused
      applyPause(topic, partition, true)
      if (!workers.has(k) && !starting.has(k)) void startWorker(topic, partition, generation)
    }
    joined = true
    crashedWith = null
    lastAnswerAt = Date.now()
  }

  const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { batch, resolveOffset, isRunning, isStale } = payload
    const home = homeOf.get(batch.topic)
    if (home !== undefined) {
      const worker = workers.get(key(home, batch.partition))
      if (worker?.state === WorkerState.restoring) {
        worker.applyLedger(batch.messages, Number(batch.lastOffset()))
        if (isReady(worker)) {
          consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }])
          applyPause(home, batch.partition)
        }
      }
      resolveOffset(batch.lastOffset())
      return
    }
    const k = key(batch.topic, batch.partition)
    const worker = workers.get(k)
    // Not ready: leave the offsets unresolved, so these records are fetched again once it is.
    if (!worker || worker.state !== WorkerState.ready || stopping) return
    deps.metrics.consumed(deps.stage, batch.topic, batch.messages.length)
    for (const message of batch.messages) {
      if (!isRunning() || isStale() || worker.state !== WorkerState.ready) break
      const offset = Number(message.offset)
      const stop = deps.stopAt?.get(k)
      if (stop !== undefined && offset >= stop) {
        rangeDone.add(k)
        noteFetched(k, stop)
        applyPause(batch.topic, batch.partition)
        break
      }
      const start = startOf(k)
      if (start !== undefined && offset < start) {
        // Before a range run's start: a rebalance before its first commit lost the start seek
        // (kafkajs rebuilds its positions from the commits), and the group fell back to earliest.
        resolveOffset(message.offset)
        continue
      }
      if (offset < worker.tracker.nextOffset) {
        // Re-delivered after a rebalance reset the fetch position to the last commit.
        resolveOffset(message.offset)
        continue
      }
      if (overBudget(worker)) {
        budgetPaused.add(k)
        applyPause(batch.topic, batch.partition)
        break
      }
      worker.admit(toInputRecord(batch.topic, batch.partition, message))
      resolveOffset(message.offset)
      noteFetched(k, offset + 1)
    }
    if (
      batch.messages.length > 0 &&
      worker.tracker.nextOffset > Number(batch.messages.at(-1)?.offset ?? -1)
    ) {
      // The whole batch went in: the position is past its trailing control records too.
      noteFetched(k, Number(batch.lastOffset()) + 1)
    }
    deps.metrics.inFlight(deps.stage, batch.topic, batch.partition, worker.tracker.running)
    reportLag(batch.topic, batch.partition, Number(batch.highWatermark))
  }

  const runArgs = {
    eachBatch,
    eachBatchAutoResolve: false,
    autoCommit: false,
    partitionsConsumedConcurrently: 1,
  }
  /** Runs the consumer anew after a crash, until it is back in the group or the stage stops. */
  const rejoin = (): void => {
    if (stopping || rejoinTimer !== undefined) return
    const decision = nextRetry(REJOIN_RETRY, { attempts: rejoinAttempts, startedAt: 0, now: 0 })
    const delayMs = decision.kind === 'retry' ? decision.delayMs : REJOIN_RETRY.maxDelayMs
    rejoinAttempts += 1
    log.warn(
      { attempt: rejoinAttempts, rejoinInMs: Math.round(delayMs) },
      'joining the consumer group again; nothing is read until then',
    )
    rejoinTimer = setTimeout(() => {
      rejoinTimer = undefined
      if (stopping) return
      // A failed join crashes the consumer again (CRASH below); this catches what escapes it.
      consumer.run(runArgs).catch((err: unknown) => {
        crashedWith = summarize(err)
        log.error({ err }, 'could not run the consumer again')
        rejoin()
      })
    }, delayMs)
  }

  return {
    async start() {
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        rejoinAttempts = 0
        reconcile(event.payload.memberAssignment)
      })
      consumer.on(consumer.events.END_BATCH_PROCESS, (event) => {
        // Batches of control records never reach eachBatch; the positions still move.
        const home = homeOf.get(event.payload.topic)
        if (home === undefined) {
          const { topic, partition, batchSize, lastOffset, highWatermark } = event.payload
          if (batchSize === 0) {
            noteFetched(key(topic, partition), Number(lastOffset) + 1)
            reportLag(topic, partition, Number(highWatermark))
          }
          return
        }
        const worker = workers.get(key(home, event.payload.partition))
        if (worker?.state === WorkerState.restoring) {
          worker.advanceRestore(Number(event.payload.lastOffset))
          if (isReady(worker)) {
            consumer.pause([{ topic: event.payload.topic, partitions: [event.payload.partition] }])
            applyPause(home, event.payload.partition)
          }
        }
      })
      // kafkajs stops and disconnects a crashed consumer, then reports the crash; restarted, it
      // joins again. In between the stage reads nothing, and Kafka may be out of reach.
      const leftGroup = (): void => {
        joined = false
      }
      // A consumer whose broker went away keeps retrying, and may take minutes to crash: its
      // silence is what says Kafka is out of reach.
      const answered = (): void => {
        lastAnswerAt = Date.now()
      }
      consumer.on(consumer.events.FETCH, answered)
      consumer.on(consumer.events.HEARTBEAT, answered)
      consumer.on(consumer.events.STOP, leftGroup)
      consumer.on(consumer.events.DISCONNECT, leftGroup)
      consumer.on(consumer.events.CRASH, (event) => {
        const { error } = event.payload as { error: unknown }
        joined = false
        crashedWith = summarize(error)
        if (stopping) return
        const rejoins = mayRejoin(error)
        log.error({ err: error, rejoins }, 'consumer crashed')
        if (rejoins) rejoin()
        else deps.onCrash(error)
      })
      if (deps.dryRun) {
        const existing = new Set(await deps.admin.listTopics())
        for (const ledger of [...homeOf.keys()]) if (!existing.has(ledger)) homeOf.delete(ledger)
      }
      await consumer.connect()
      await consumer.subscribe({
        topics: [...deps.inputTopics, ...homeOf.keys()],
        fromBeginning: true,
      })
      await consumer.run(runArgs)
    },
    async stop() {
      stopping = true
      clearTimeout(rejoinTimer)
      for (const k of assigned) {
        const [topic, partition] = splitKey(k)
        applyPause(topic, partition)
      }
      await Promise.all([...workers.values()].map((worker) => worker.stop(deps.drainMs)))
      workers.clear()
      for (const k of assigned) {
        const [topic, partition] = splitKey(k)
        deps.metrics.partitionReleased(deps.stage, topic, partition)
      }
      await consumer.disconnect()
    },
    setTopicBlocked(topic, blocked, reason) {
      if (blocked) blockedTopics.set(topic, reason)
      else blockedTopics.delete(topic)
      for (const k of assigned) {
        const [t, partition] = splitKey(k)
        if (t === topic) applyPause(t, partition)
      }
    },
    get partitions() {
      return [...assigned].map((k): PartitionStatus => {
        const [topic, partition] = splitKey(k)
        const worker = workers.get(k)
        return {
          topic,
          partition,
          state: worker?.state ?? 'starting',
          inFlight: worker?.tracker.running ?? 0,
          uncommitted: worker?.tracker.inFlight ?? 0,
          paused: pauseReasons(topic, partition),
          nextOffset: worker?.tracker.nextOffset ?? 0,
          committedOffset: worker?.tracker.lastCommittedOffset ?? null,
          ledgerEntries: worker?.ledger.size ?? 0,
          fetchedTo: fetchedTo.get(k) ?? 0,
          stoppedBy: stoppedBy.get(k) ?? null,
        }
      })
    },
    get ready() {
      return (
        joined &&
        silentForMs() === null &&
        [...assigned].every((k) => workers.get(k)?.state === WorkerState.ready)
      )
    },
    get joined() {
      return joined
    },
    get crashedWith() {
      return crashedWith
    },
    get silentForMs() {
      return silentForMs()
    },
  }
}

/** A separate function so TypeScript re-reads the state after a call that changed it. */
function isReady(worker: PartitionWorker): boolean {
  return worker.state === WorkerState.ready
}

function summarize(err: unknown): FailureSummary {
  const code = (err as { code?: unknown } | null | undefined)?.code
  return {
    code: typeof code === 'string' ? code : err instanceof Error ? err.name : 'UNKNOWN',
    message: err instanceof Error ? err.message : String(err),
  }
}

function stopOf(origin: FailureOrigin, err: unknown): PartitionStop {
  return { origin, ...summarize(err) }
}

function splitKey(k: string): [string, number] {
  const slash = k.lastIndexOf('/')
  return [k.slice(0, slash), Number(k.slice(slash + 1))]
}

function toInputRecord(topic: string, partition: number, message: KafkaMessage): InputRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers: message.headers ?? {},
    timestamp: message.timestamp,
  }
}
