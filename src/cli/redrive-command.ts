import { loadConfig } from '../config/load-config.js'
import type { CredentialFailed } from '../domain/output-events.js'
import { issueLedgerTopic } from '../ledger/ledger-topics.js'
import { connectAdmin, createKafkaFromConfig } from './kafka-from-config.js'
import { schemaRegistryFromConfig } from '../kafka/schema-registry-client.js'
import { requireTopics } from '../kafka/topic-admin.js'
import { createLogger } from '../ops/logger.js'
import { abortOnShutdownSignals } from '../ops/shutdown-signals.js'
import { reconfirmPolicy, redrivePolicy } from '../pipeline/ledger-policy.js'
import type { Command } from './command.js'
import { refuseActiveRangeRun } from './active-range-runs.js'
import {
  findRecordsPastLedgerRetention,
  pastLedgerRetentionBanner,
  pastLedgerRetentionWarning,
  refusePastLedgerRetention,
  type PastLedgerRetention,
  type PastLedgerRetentionReport,
} from './ledger-retention-check.js'
import { checkRunId, newRunId, reconfirmRunId } from './run-id.js'
import { describeCrash, runRange } from './range-run.js'
import { readFailedEvents } from './read-failed-events.js'
import { readTopicOffsets } from './topic-offsets.js'
import {
  batchOffsets,
  checkReason,
  countRecords,
  describeUnrouted,
  dropDeletedRecords,
  parseRedriveSince,
  planRedrive,
  selectFailures,
  type RedriveBatch,
} from './redrive-selection.js'
import { formatRunSummary } from './run-summary.js'
import { parseCommandLine, refuseUsage } from './usage-error.js'

const USAGE = `Usage:
  moca-relay redrive [--reason CODE]... [--since TIME] [--dry-run] [--allow-past-retention]
                     [--run-id ID] [--config relay.yaml]
      Sends failed events back through the issue stage once their cause is fixed (a route
      mapping, the registry, a user's consent…). Reads credential.failed, finds the input record
      of each failure, and reprocesses exactly those records with their own consumer group:
      - decode and issue failures are retried (with onDuplicate "ignore" where an earlier attempt
        may have landed);
      - CONFIRM_TIMEOUT failures get a new confirmation: the live confirm stage polls them again
        (not one whose issue ledger entry is gone: it is reported, and the redrive exits 1).
      Records that succeeded since are left alone (the ledger knows them).
      --reason CODE  only failures with this code (repeatable), e.g. MOCA_CONSENT_REJECTED.
      --since TIME   only failures written since then: an ISO-8601 time or a duration ago (24h).
      --dry-run      report what would be retried: no call, no output, and nothing changes
                     on the cluster (no topic, transactional id or commit).
      --allow-past-retention
                     retry failed records whose ledger entries may be gone (older than
                     ledger.retention, or a ledger partition retention emptied): the ledger no
                     longer knows whether they were issued since, so they are issued AGAIN, with
                     the route's onDuplicate. Without it such a redrive is refused; a dry run
                     names them.
      --run-id ID    resume an interrupted redrive.
      Input records the topic no longer holds (retention deleted them), and failures of a topic
      no route of the config reads any more, are listed and left out; the redrive then exits 1.`

export function createRedriveCommand(): Command {
  return {
    name: 'redrive',
    summary: 'Retry failed events (by reason, since a time) after their cause is fixed.',
    usage: USAGE,
    async run(args) {
      const parsed = parseCommandLine('redrive', USAGE, {
        args: [...args],
        options: {
          config: { type: 'string', default: 'relay.yaml' },
          reason: { type: 'string', multiple: true },
          since: { type: 'string' },
          'dry-run': { type: 'boolean', default: false },
          'allow-past-retention': { type: 'boolean', default: false },
          'run-id': { type: 'string' },
        },
      })
      if (parsed === null) return 2
      const { values } = parsed
      const since = parseRedriveSince(values.since)
      const problem =
        (values.reason ?? []).map(checkReason).find((p) => p !== null) ??
        ('problem' in since ? since.problem : null)
      if (problem !== null) {
        return refuseUsage(process.stderr, 'redrive', USAGE, problem)
      }
      const sinceMs = 'ms' in since ? since.ms : null
      const runIdProblem = values['run-id'] === undefined ? null : checkRunId(values['run-id'])
      if (runIdProblem !== null) {
        return refuseUsage(process.stderr, 'redrive', USAGE, `${runIdProblem}.`)
      }
      const loaded = await loadConfig(values.config)
      const { config } = loaded
      const dryRun = values['dry-run']
      const logger = createLogger({
        level: config.log.level === 'info' ? 'warn' : config.log.level,
        pretty: process.stderr.isTTY === true,
      })
      const reasons = new Set(values.reason ?? [])
      const runId = values['run-id'] ?? newRunId('redrive')
      const out = process.stdout

      const kafka = createKafkaFromConfig(config, logger)
      const admin = kafka.admin()
      await connectAdmin(admin, config)
      let failures: CredentialFailed[]
      let selected: CredentialFailed[]
      const batches: RedriveBatch[] = []
      /** Lines naming the selected records this redrive cannot run, and why. */
      const cannot: string[] = []
      let goneRecords = 0
      let unroutedRecords: number
      /** What the ledger may have forgotten of the records this redrive retries. */
      let pastRetention: PastLedgerRetentionReport = {
        run: 'redrive',
        found: [],
        retentionMs: config.ledger.retention,
      }
      try {
        failures = await readFailedEvents({
          kafka,
          admin,
          topic: config.topics.failed,
          groupId: config.kafka.groupId,
          sinceMs,
          registry: schemaRegistryFromConfig(config),
          logger,
        })
        const selection = selectFailures(failures, {
          reasons,
          routeTopics: new Set(config.routes.flatMap((r) => r.topics)),
        })
        selected = [...selection.routed, ...selection.unrouted]
        unroutedRecords = countRecords(selection.unrouted)
        cannot.push(...describeUnrouted(selection.unrouted))
        const plan = planRedrive(selection.routed)
        // A route's topic deleted since its records failed: say what `run` and `replay` say,
        // not a protocol error after kafkajs's ~10 s of retries.
        await requireTopics(admin, [...new Set(plan.map((b) => b.topic))])
        for (const planned of plan) {
          const left = dropDeletedRecords(
            planned,
            await readTopicOffsets(admin, { topic: planned.topic }),
          )
          if (left.batch) batches.push(left.batch)
          for (const p of left.gone) {
            goneRecords += p.records
            cannot.push(
              `  ${planned.kind} ${plural(p.records, 'record')} of ${planned.topic} partition ${p.partition}: no longer in the topic (it starts at offset ${p.low} now; retention deleted them)`,
            )
          }
        }
        if (!dryRun && batches.length > 0) {
          await refuseActiveRangeRun(admin, {
            groupId: config.kafka.groupId,
            runIds: [runId, reconfirmRunId(runId)],
            topics: [...new Set(batches.map((b) => b.topic))],
            sessionTimeoutMs: config.kafka.sessionTimeout,
          })
        }
        // Only retries issue: a re-poll confirms what the ledger knows as issued, and skips a key
        // it does not know.
        const found: PastLedgerRetention[] = []
        for (const batch of batches.filter((b) => b.kind === 'retry')) {
          const inBatch = await findRecordsPastLedgerRetention(admin, {
            topic: batch.topic,
            ledgerTopic: issueLedgerTopic(config.topics.internalPrefix, batch.topic),
            from: batch.from,
            to: batch.to,
            records: batchOffsets(batch),
            retentionMs: config.ledger.retention,
            now: Date.now(),
          })
          found.push(...inBatch)
        }
        pastRetention = { ...pastRetention, found }
        refusePastLedgerRetention(pastRetention, dryRun || values['allow-past-retention'])
      } finally {
        await admin.disconnect()
      }
      out.write(
        `Redrive ${runId}: ${plural(failures.length, 'failed event')} on ${config.topics.failed}${values.since ? ` since ${values.since}` : ''}; ${selected.length} selected (${plural(countRecords(selected), 'input record')})\n`,
      )
      for (const [code, count] of countBy(selected, (f) => `${f.failure.code} (${f.stage})`))
        out.write(`  ${code.padEnd(40)}${String(count).padStart(7)}\n`)
      if (cannot.length > 0) {
        out.write(
          `${plural(goneRecords + unroutedRecords, 'input record')} cannot be redriven:\n${cannot.join('\n')}\n`,
        )
      }
      if (selected.length === 0) return 0
      if (!dryRun && pastRetention.found.length > 0)
        out.write(pastLedgerRetentionBanner(pastRetention))

      const shutdown = abortOnShutdownSignals()
      /** Per input topic, the re-polls whose ledger entry was gone: nothing to poll. */
      const forgotten = new Map<string, number>()
      let interrupted = false
      let crashed: unknown
      try {
        const policies = {
          retry: redrivePolicy(runId),
          're-poll': reconfirmPolicy(reconfirmRunId(runId), failedCredentials(selected)),
        }
        for (const batch of batches) {
          const { kind: label, topic, from, to, only } = batch
          const policy = policies[label]
          out.write(
            `\n${dryRun ? 'Dry run: ' : ''}${label} ${plural(batch.records, 'record')} of ${topic}\n`,
          )
          const result = await runRange({
            loaded,
            logger,
            topic,
            from,
            to,
            runId: `${policy.run}`,
            ledgerPolicy: policy,
            dryRun,
            only,
            out,
            label: dryRun ? 'dry run' : label,
            signal: shutdown.signal,
          })
          out.write(`${formatRunSummary({ ...result, records: only.size }, dryRun)}\n`)
          const unpolled = result.tally.count('forgotten')
          if (unpolled > 0) forgotten.set(topic, (forgotten.get(topic) ?? 0) + unpolled)
          if (!result.completed) interrupted = true
          if (result.crashed !== undefined) crashed = result.crashed
          if (shutdown.signal.aborted || crashed !== undefined) break
        }
      } finally {
        shutdown.dispose()
      }
      if (dryRun && pastRetention.found.length > 0)
        out.write(pastLedgerRetentionWarning(pastRetention))
      for (const [topic, count] of forgotten)
        out.write(`\n${describeForgotten({ topic, count, failedTopic: config.topics.failed })}\n`)
      if (interrupted) {
        out.write(
          `\n${crashed !== undefined ? describeCrash(crashed) : 'Interrupted.'} Resume with: ${redriveResumeCommand({ runId, config: values.config, reasons: [...reasons], sinceMs, dryRun, allowPastRetention: values['allow-past-retention'] })}\n`,
        )
        return crashed !== undefined ? 1 : shutdown.exitCode
      }
      if (dryRun) return 0
      if (goneRecords > 0) {
        out.write(
          `\n${plural(goneRecords, 'input record')} could not be redriven: Kafka no longer holds ${goneRecords === 1 ? 'it' : 'them'}. Their failures stay on ${config.topics.failed}; reprocess them from their source system.\n`,
        )
      }
      if (unroutedRecords > 0) {
        out.write(
          `\n${plural(unroutedRecords, 'input record')} could not be redriven: no route of this config reads ${unroutedRecords === 1 ? 'its topic' : 'their topics'}. Their failures stay on ${config.topics.failed}; add the route back, or redrive with a config that has it.\n`,
        )
      }
      return goneRecords + unroutedRecords + forgotten.size > 0 ? 1 : 0
    },
  }
}

/**
 * Why re-polls of `topic` could not be done, and what the operator can do: the ledger entry of an
 * issued credential is what a re-poll polls (its coreClaimHash, userUuid, generation).
 */
function describeForgotten(lost: {
  readonly topic: string
  readonly count: number
  readonly failedTopic: string
}): string {
  const { topic, count, failedTopic } = lost
  const one = count === 1
  return [
    `${plural(count, 're-poll')} of ${topic} cannot be done: the issue ledger no longer has ${one ? 'its entry' : 'their entries'} (retention or compaction deleted ${one ? 'it' : 'them'}), so the relay does not know which credential to poll.`,
    `${one ? 'Its failure stays' : 'Their failures stay'} on ${failedTopic}: look ${one ? 'its credential' : 'each credential'} up on MocaChain (the failure names its idempotencyKey and coreClaimHash); if it never landed, issue that record again alone with moca-relay replay --topic ${topic} --from PARTITION:OFFSET --to PARTITION:OFFSET+1 --reissue (the failure's source names them).`,
  ].join(' ')
}

/** Per input record, the coreClaimHash of each credential whose confirmation failed. */
function failedCredentials(selected: readonly CredentialFailed[]): Map<string, Set<string | null>> {
  const failed = new Map<string, Set<string | null>>()
  for (const f of selected) {
    if (f.stage !== 'confirm') continue
    const record = `${f.source.topic}/${f.source.partition}/${f.source.offset}`
    const hashes = failed.get(record) ?? new Set()
    hashes.add(f.coreClaimHash || null)
    failed.set(record, hashes)
  }
  return failed
}

function countBy<T>(items: readonly T[], keyOf: (item: T) => string): [string, number][] {
  const counts = new Map<string, number>()
  for (const item of items) counts.set(keyOf(item), (counts.get(keyOf(item)) ?? 0) + 1)
  return [...counts].sort((a, b) => b[1] - a[1])
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

/**
 * The command that resumes an interrupted redrive with the same selection: the same reasons, and
 * `--since` as the time it meant then (a duration ago read again later would select more).
 */
export function redriveResumeCommand(run: {
  readonly runId: string
  readonly config: string
  readonly reasons: readonly string[]
  readonly sinceMs: number | null
  readonly dryRun: boolean
  /** The run was told to issue records the ledger may have forgotten: so is its resume. */
  readonly allowPastRetention?: boolean
}): string {
  return [
    `moca-relay redrive --run-id ${run.runId} --config ${run.config}`,
    ...run.reasons.map((reason) => `--reason ${reason}`),
    ...(run.sinceMs === null ? [] : [`--since ${new Date(run.sinceMs).toISOString()}`]),
    ...(run.dryRun ? ['--dry-run'] : run.allowPastRetention ? ['--allow-past-retention'] : []),
  ].join(' ')
}
