import type { Writable } from 'node:stream'
import { isRelayError } from '../errors/relay-error.js'
import type { LoadedConfig } from '../config/load-config.js'
import type { Logger } from '../ops/logger.js'
import type { LedgerPolicy } from '../pipeline/ledger-policy.js'
import { createOutcomeTally, type OutcomeTally } from '../pipeline/outcome-tally.js'
import type { PartitionStatus } from '../pipeline/stage-runner.js'
import { composeRelay } from './compose-relay.js'
import { connectAdmin, createKafkaFromConfig } from './kafka-from-config.js'
import { createProgressReporter } from './progress-reporter.js'
import { rangeCommitted, readGroupCommits, recordsCommittedBefore } from './run-commits.js'

export interface RangeRunOptions {
  readonly loaded: LoadedConfig
  readonly logger: Logger
  readonly topic: string
  /** First offset to process, per partition. */
  readonly from: ReadonlyMap<number, number>
  /** First offset not to process, per partition. */
  readonly to: ReadonlyMap<number, number>
  readonly runId: string
  readonly ledgerPolicy: LedgerPolicy
  readonly dryRun: boolean
  /** Redrive: only these records (`topic/partition/offset`). */
  readonly only?: ReadonlySet<string>
  readonly out: Writable & { isTTY?: boolean }
  readonly label: string
  /** Aborts the run (Ctrl-C): it stops cleanly and can be resumed with the same run id. */
  readonly signal: AbortSignal
}

export interface RangeRunResult {
  readonly tally: OutcomeTally
  readonly records: number
  /** Records of the range an earlier, interrupted attempt of this run committed (not in `tally`). */
  readonly earlier: number
  readonly completed: boolean
  /** Set when the run's consumer crashed and could not restart (the run did not complete). */
  readonly crashed?: unknown
  readonly seconds: number
}

/** How often progress is measured. */
const POLL_MS = 250

/**
 * Runs the issue stage over a range of one topic, with its own consumer group and the range
 * runs' shared transactional ids (the live relay keeps running), then removes the group. Replay
 * and redrive are this, with different ledger rules. A dry run only reads: its group, whose name no real run shares, holds
 * no offsets, and is removed however the run ends.
 */
export async function runRange(options: RangeRunOptions): Promise<RangeRunResult> {
  const { loaded, topic } = options
  const { config } = loaded
  const records = rangeSize(options.from, options.to)
  const tally = createOutcomeTally()
  if (records === 0) return { tally, records, earlier: 0, completed: true, seconds: 0 }
  const started = Date.now()
  // `--run-id` of a real run must not make a dry run join that run's group (and take its
  // partitions) nor delete it: the resume of that run reads its commits from there.
  const groupId = `${config.kafka.groupId}.${options.runId}${options.dryRun ? '.dry-run' : ''}`
  const kafka = createKafkaFromConfig(config, options.logger, options.runId)
  const admin = kafka.admin()
  await connectAdmin(admin, config)
  try {
    // A dry run commits nothing to Kafka: its group holds no commits to read.
    const committedBefore = options.dryRun
      ? new Map<number, number>()
      : await readGroupCommits(admin, groupId, topic)
    const earlier = recordsCommittedBefore(options, committedBefore)
    if (rangeCommitted(options, committedBefore)) {
      // A resume of a run that had finished its range before it was interrupted: done.
      await admin.deleteGroups([groupId]).catch(() => undefined)
      return { tally, records, earlier, completed: true, seconds: (Date.now() - started) / 1000 }
    }
    let crash: { readonly error: unknown } | undefined
    const stopAt = new Map([...options.to].map(([p, offset]) => [`${topic}/${p}`, offset]))
    // The runner moves each partition to `from` unless this run already committed past it
    // (kafkajs's admin.setOffsets would join the group and wait out a fetch: 5 s).
    const startAt = new Map([...options.from].map(([p, offset]) => [`${topic}/${p}`, offset]))
    const relayProcess = await composeRelay(loaded, {
      logger: options.logger,
      ops: false,
      observe: tally,
      onCrash: (err) => {
        crash ??= { error: err }
        if (!isFenced(err)) options.logger.fatal({ err }, 'the consumer crashed')
      },
      run: {
        name: options.runId,
        issueGroupId: groupId,
        // One transactional id per input partition for every range run, whatever its run id: a
        // second run over the partition fences the first, and restores the ledger after that
        // fence, so it finds the first run's committed intents and recovers them with "ignore".
        // (The live relay's ids are `<prefix>.issue…`; REPLAY_PAST_LIVE keeps the two apart.)
        transactionalIdPrefix: rangeTransactionalIdPrefix(config),
        stopWhenFenced: true,
        ledgerPolicy: options.ledgerPolicy,
        confirm: false,
        inputTopics: [topic],
        stopAt,
        startAt,
        dryRun: options.dryRun,
        ...(options.only ? { only: options.only } : {}),
      },
    })
    const progress = createProgressReporter(options.out, records, options.label)
    await relayProcess.start()
    let ending: RangeEnd = 'aborted'
    let lastDone = 0
    try {
      ending = await watchRange({
        from: options.from,
        to: options.to,
        committedBefore,
        partitions: () => relayProcess.relay.partitions.issue,
        crashed: () => crash !== undefined,
        signal: options.signal,
        onProgress: (done) => {
          lastDone = done
          progress.update(done, summarize(tally, options.dryRun))
        },
      })
    } finally {
      await relayProcess.stop()
      // After the stop: the calls its drain finished are in the tally and the group's commits, so
      // the last progress line agrees with the summary that follows it.
      const done =
        ending === 'aborted' && !options.dryRun
          ? await readGroupCommits(admin, groupId, topic).then(
              (commits) =>
                Math.max(
                  lastDone,
                  recordsCommittedBefore({ topic, from: options.from, to: options.to }, commits),
                ),
              () => lastDone,
            )
          : lastDone
      progress.finish(done, summarize(tally, options.dryRun))
    }
    const completed = ending === 'completed'
    // An interrupted run resumes from its group's commits; a dry run has none to resume from.
    if (completed || options.dryRun) await admin.deleteGroups([groupId]).catch(() => undefined)
    return {
      tally,
      records,
      earlier,
      completed,
      ...(crash ? { crashed: crash.error } : {}),
      seconds: (Date.now() - started) / 1000,
    }
  } finally {
    await admin.disconnect()
  }
}

function summarize(tally: OutcomeTally, dryRun: boolean): string {
  const issued = tally.count('issued')
  const failed = tally.count('failed')
  return dryRun
    ? `would issue ${issued}, already done ${tally.count('duplicate')}, would fail ${failed}`
    : `issued ${issued}, already done ${tally.count('duplicate')}, failed ${failed}`
}

/**
 * What an operator reads when a run's consumer crashed: it stopped, and the resume line that
 * follows picks it up once Kafka works again.
 */
export function describeCrash(crashed: unknown): string {
  if (isFenced(crashed)) {
    return `Another process opened this run's transactional id (${(crashed as Error).message}): most likely another replay or redrive of this relay started at the same time, and it now owns the partition. This run stopped; its committed work is in the ledger, and the other run recovers any call it left uncertain. Let the other run finish (moca-relay refuses to start beside it), then resume.`
  }
  const reason = crashed instanceof Error ? crashed.message : String(crashed)
  return `The Kafka consumer crashed and could not restart (${reason}); the run stopped. Fix the cause the log names, then resume.`
}

/**
 * The transactional-id prefix every range run shares (`<prefix>.range`, then `.issue.<topic>.<p>`):
 * independent of the run id, so that runs over one partition fence each other.
 */
export function rangeTransactionalIdPrefix(config: LoadedConfig['config']): string {
  return `${config.kafka.transactionalIdPrefix ?? config.kafka.groupId}.range`
}

function isFenced(err: unknown): boolean {
  return isRelayError(err) && err.code === 'KAFKA_FENCED'
}

/** Offsets a range covers, over all its partitions (a partition whose end is not past its start: none). */
export function rangeSize(
  from: ReadonlyMap<number, number>,
  to: ReadonlyMap<number, number>,
): number {
  let size = 0
  for (const [partition, start] of from) size += Math.max(0, (to.get(partition) ?? start) - start)
  return size
}

/** How a range run's wait ended. */
export type RangeEnd = 'completed' | 'aborted' | 'crashed'

/**
 * Waits until every partition of the range was read to its end and committed (by this attempt, or
 * by an earlier attempt of the same run: `committedBefore`), measuring progress every POLL_MS. It
 * ends early when the signal aborts (Ctrl-C) or the consumer crashed: a crashed consumer reads
 * nothing more, and waiting for it would hang the command.
 */
export async function watchRange(watch: {
  readonly from: ReadonlyMap<number, number>
  readonly to: ReadonlyMap<number, number>
  /** What the run's group had committed when this attempt started (see readGroupCommits). */
  readonly committedBefore?: ReadonlyMap<number, number>
  readonly partitions: () => readonly PartitionStatus[]
  readonly crashed: () => boolean
  readonly signal: AbortSignal
  readonly onProgress: (done: number) => void
  readonly pollMs?: number
}): Promise<RangeEnd> {
  const records = rangeSize(watch.from, watch.to)
  for (;;) {
    if (watch.signal.aborted) return 'aborted'
    if (watch.crashed()) return 'crashed'
    const partitions = watch.partitions()
    let done = 0
    let finished = partitions.length > 0
    for (const [partition, from] of watch.from) {
      const to = watch.to.get(partition) ?? from
      if (to <= from) continue
      const status = partitions.find((p) => p.partition === partition)
      const committed = Math.max(
        status?.committedOffset ?? from,
        watch.committedBefore?.get(partition) ?? from,
      )
      // Done when everything below `to` was read (markers included) and committed. A partition
      // committed to `to` by an earlier attempt fetches nothing more: its fetchedTo never moves.
      const partitionDone =
        committed >= to ||
        (status !== undefined &&
          status.state === 'ready' &&
          status.fetchedTo >= to &&
          status.uncommitted === 0)
      if (!partitionDone) finished = false
      done += partitionDone ? to - from : Math.max(0, Math.min(committed, to) - from)
    }
    watch.onProgress(Math.min(done, records))
    if (finished) return 'completed'
    await new Promise((resolve) => setTimeout(resolve, watch.pollMs ?? POLL_MS))
  }
}
