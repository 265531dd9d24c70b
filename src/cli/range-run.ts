import type { Writable } from 'node:stream'
import type { LoadedConfig } from '../config/load-config.js'
import type { Logger } from '../ops/logger.js'
import type { LedgerPolicy } from '../pipeline/ledger-policy.js'
import { createOutcomeTally, type OutcomeTally } from '../pipeline/outcome-tally.js'
import { composeRelay } from './compose-relay.js'
import { connectAdmin, createKafkaFromConfig } from './kafka-from-config.js'
import { createProgressReporter } from './progress-reporter.js'

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
  readonly completed: boolean
  readonly seconds: number
}

/** How often progress is measured. */
const POLL_MS = 250

/**
 * Runs the issue stage over a range of one topic, with its own consumer group and transactional
 * ids (the live relay keeps running), then removes the group. Replay and redrive are this, with
 * different ledger rules.
 */
export async function runRange(options: RangeRunOptions): Promise<RangeRunResult> {
  const { loaded, topic } = options
  const { config } = loaded
  const records = [...options.from].reduce(
    (sum, [p, from]) => sum + Math.max(0, (options.to.get(p) ?? from) - from),
    0,
  )
  const tally = createOutcomeTally()
  if (records === 0) return { tally, records, completed: true, seconds: 0 }
  const started = Date.now()
  const groupId = `${config.kafka.groupId}.${options.runId}`
  const kafka = createKafkaFromConfig(config, options.logger, options.runId)
  const admin = kafka.admin()
  await connectAdmin(admin, config)
  try {
    const stopAt = new Map([...options.to].map(([p, offset]) => [`${topic}/${p}`, offset]))
    // The runner moves each partition to `from` unless this run already committed past it
    // (kafkajs's admin.setOffsets would join the group and wait out a fetch: 5 s).
    const startAt = new Map([...options.from].map(([p, offset]) => [`${topic}/${p}`, offset]))
    const relayProcess = await composeRelay(loaded, {
      logger: options.logger,
      ops: false,
      observe: tally,
      onCrash: (err) => options.logger.fatal({ err }, 'the consumer crashed'),
      run: {
        name: options.runId,
        issueGroupId: groupId,
        transactionalIdPrefix: `${config.kafka.transactionalIdPrefix ?? config.kafka.groupId}.${options.runId}`,
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
    let completed = false
    let lastDone = 0
    try {
      while (!options.signal.aborted) {
        const partitions = relayProcess.relay.partitions.issue
        let done = 0
        let finished = partitions.length > 0
        for (const [partition, from] of options.from) {
          const to = options.to.get(partition) ?? from
          if (to <= from) continue
          const status = partitions.find((p) => p.partition === partition)
          // Done when everything below `to` was read (markers included) and committed.
          const partitionDone =
            status !== undefined &&
            status.state === 'ready' &&
            status.fetchedTo >= to &&
            status.inFlight === 0
          if (!partitionDone) finished = false
          done += partitionDone
            ? to - from
            : Math.max(0, Math.min(status?.committedOffset ?? from, to) - from)
        }
        lastDone = Math.min(done, records)
        progress.update(lastDone, summarize(tally, options.dryRun))
        if (finished) {
          completed = true
          break
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS))
      }
    } finally {
      progress.finish(lastDone, summarize(tally, options.dryRun))
      await relayProcess.stop()
    }
    if (completed) await admin.deleteGroups([groupId]).catch(() => undefined)
    return { tally, records, completed, seconds: (Date.now() - started) / 1000 }
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
