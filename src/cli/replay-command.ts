import { loadConfig } from '../config/load-config.js'
import { isRelayError, RelayError } from '../errors/relay-error.js'
import { issueLedgerTopic } from '../ledger/ledger-topics.js'
import { connectAdmin, createKafkaFromConfig } from './kafka-from-config.js'
import { createLogger } from '../ops/logger.js'
import { abortOnShutdownSignals } from '../ops/shutdown-signals.js'
import { reissuePolicy, replayPolicy } from '../pipeline/ledger-policy.js'
import type { Command } from './command.js'
import { refuseActiveRangeRun } from './active-range-runs.js'
import {
  findRecordsPastLedgerRetention,
  pastLedgerRetentionBanner,
  pastLedgerRetentionWarning,
  refusePastLedgerRetention,
  type PastLedgerRetentionReport,
} from './ledger-retention-check.js'
import { checkRunId, newRunId } from './run-id.js'
import {
  formatPartitionOffsets,
  parseOffsetSpec,
  type OffsetSpec,
  rangePastLiveRelay,
  rangeProblem,
  resolveRange,
} from './offset-spec.js'
import {
  describeCrash,
  rangeSize,
  runRange,
  type RangeRunOptions,
  type RangeRunResult,
} from './range-run.js'
import { formatRunSummary } from './run-summary.js'
import { parseCommandLine, refuseUsage } from './usage-error.js'

const USAGE = `Usage:
  moca-relay replay --topic TOPIC [--from earliest] [--to live] [--dry-run | --reissue [--yes]]
                    [--allow-past-retention] [--run-id ID] [--config relay.yaml]
      Reprocesses a range of an input topic through the same pipeline, with its own consumer
      group, while the live relay keeps running. Keys the ledger already knows are skipped, so a
      replay of what the relay processed within ledger.retention issues nothing.
      --from, --to   an offset (per partition), earliest, latest, live (what the live relay has
                     committed), an ISO-8601 time with its zone (2026-11-24T09:00:00Z, or +01:00
                     for Z), a duration ago (2h), or offsets per partition (0:1500,1:1620; other
                     partitions: none). Default: earliest → live. While the live relay runs, a
                     replay that would reach past what it committed is refused.
      --dry-run      report what would be issued, skipped or failed: no call, no output, and
                     nothing changes on the cluster (no topic, transactional id or commit).
      --reissue      issue every event in the range again, as a new generation (onDuplicate
                     "revoke": each user's credential is replaced). Pauses 5 s first unless --yes.
      --allow-past-retention
                     replay records whose ledger entries may be gone (older than
                     ledger.retention, or a ledger partition retention emptied): they are issued
                     AGAIN, with the route's onDuplicate. Without it such a replay is refused;
                     a dry run names them.
      --run-id ID    resume an interrupted run.`

/** Long enough to read the warning and press Ctrl-C. */
const REISSUE_PAUSE_MS = 5_000

export function createReplayCommand(): Command {
  return {
    name: 'replay',
    summary: 'Reprocess a range of an input topic (dry run, or reissue) beside the live relay.',
    usage: USAGE,
    async run(args) {
      const parsed = parseCommandLine('replay', USAGE, {
        args: [...args],
        options: {
          config: { type: 'string', default: 'relay.yaml' },
          topic: { type: 'string' },
          from: { type: 'string', default: 'earliest' },
          to: { type: 'string', default: 'live' },
          'dry-run': { type: 'boolean', default: false },
          reissue: { type: 'boolean', default: false },
          yes: { type: 'boolean', default: false },
          'allow-past-retention': { type: 'boolean', default: false },
          'run-id': { type: 'string' },
        },
      })
      if (parsed === null) return 2
      const { values } = parsed
      if (!values.topic) {
        return refuseUsage(process.stderr, 'replay', USAGE, '--topic is required.')
      }
      if (values['dry-run'] && values.reissue) {
        return refuseUsage(
          process.stderr,
          'replay',
          USAGE,
          '--dry-run and --reissue exclude each other.',
        )
      }
      const runIdProblem = values['run-id'] === undefined ? null : checkRunId(values['run-id'])
      if (runIdProblem !== null) {
        return refuseUsage(process.stderr, 'replay', USAGE, `${runIdProblem}.`)
      }
      // A malformed --from or --to is a usage mistake like the others here: said before the
      // config is read or Kafka is asked anything, and exit 2.
      let bounds: {
        from: { text: string; spec: OffsetSpec }
        to: { text: string; spec: OffsetSpec }
      }
      try {
        bounds = {
          from: { text: values.from, spec: parseOffsetSpec(values.from, '--from') },
          to: { text: values.to, spec: parseOffsetSpec(values.to, '--to') },
        }
      } catch (err) {
        if (!isRelayError(err)) throw err
        return refuseUsage(process.stderr, 'replay', USAGE, `${err.message}.`)
      }
      const loaded = await loadConfig(values.config)
      const { config } = loaded
      const topic = values.topic
      if (!config.routes.some((r) => r.topics.includes(topic))) {
        throw new RelayError(
          'CONFIG_INVALID',
          `no route reads "${topic}": replay one of ${[...new Set(config.routes.flatMap((r) => r.topics))].join(', ')}`,
          { classification: 'terminal' },
        )
      }
      const logger = createLogger({
        level: config.log.level === 'info' ? 'warn' : config.log.level,
        pretty: process.stderr.isTTY === true,
      })
      const runId =
        values['run-id'] ??
        newRunId(values.reissue ? 'reissue' : values['dry-run'] ? 'dryrun' : 'replay')

      const kafka = createKafkaFromConfig(config, logger)
      const admin = kafka.admin()
      await connectAdmin(admin, config)
      let range: { from: Map<number, number>; to: Map<number, number> }
      /** What the ledger may have forgotten (a reissue issues every record anyway). */
      let pastRetention: PastLedgerRetentionReport = {
        run: 'replay',
        found: [],
        retentionMs: config.ledger.retention,
      }
      try {
        range = await resolveRange(
          admin,
          topic,
          { from: bounds.from.spec, to: bounds.to.spec },
          config.kafka.groupId,
        )
        const problem = rangeProblem({ topic, ...bounds, range })
        if (problem !== null) {
          return refuseUsage(process.stderr, 'replay', USAGE, problem)
        }
        // A dry run calls nothing, so it may look past the live relay, and beside other runs.
        if (!values['dry-run']) {
          await refuseActiveRangeRun(admin, {
            groupId: config.kafka.groupId,
            runIds: [runId],
            topics: [topic],
            sessionTimeoutMs: config.kafka.sessionTimeout,
          })
          const past = await rangePastLiveRelay(admin, topic, range, config.kafka.groupId)
          if (past.partitions.length > 0) {
            const where = past.partitions
              .map((p) => `partition ${p.partition} to ${p.to}, committed ${p.committed}`)
              .join('; ')
            throw new RelayError(
              'REPLAY_PAST_LIVE',
              `the range ends past what the live relay (group "${config.kafka.groupId}", ${past.members} running) has committed (${where}): those records are still the live relay's to process, and a replay beside it could issue them twice. Keep --to at live (the default), or stop the live relay first`,
              { classification: 'terminal' },
            )
          }
        }
        if (!values.reissue) {
          const found = await findRecordsPastLedgerRetention(admin, {
            topic,
            ledgerTopic: issueLedgerTopic(config.topics.internalPrefix, topic),
            ...range,
            retentionMs: config.ledger.retention,
            now: Date.now(),
          })
          pastRetention = { ...pastRetention, found }
          refusePastLedgerRetention(
            pastRetention,
            values['dry-run'] || values['allow-past-retention'],
          )
        }
      } finally {
        await admin.disconnect()
      }
      const { from, to } = range
      const records = rangeSize(from, to)
      const out = process.stdout
      out.write(`Replay ${runId} of ${topic}: ${records.toLocaleString('en-US')} records\n`)
      for (const line of formatRangePlan(from, to)) out.write(`  ${line}\n`)
      if (records === 0) {
        out.write(
          `The range is empty: --from ${values.from} and --to ${values.to} resolve to the same offsets on every partition. Nothing to do.\n`,
        )
        return 0
      }
      if (values['dry-run']) {
        out.write(
          'Dry run: nothing is called or written, on MocaChain or Kafka; the live relay keeps running.\n',
        )
      } else if (values.reissue) {
        out.write(
          `\n!! --reissue: every event in this range is issued AGAIN, as a new generation, with onDuplicate "revoke":\n` +
            `!! each user's current credential of the program is revoked and replaced (${records} records).\n`,
        )
        if (!values.yes) {
          out.write(
            `!! Starting in ${REISSUE_PAUSE_MS / 1000} s. Ctrl-C aborts; --yes skips this pause.\n`,
          )
          await new Promise((resolve) => setTimeout(resolve, REISSUE_PAUSE_MS))
        }
      } else if (pastRetention.found.length > 0) {
        out.write(pastLedgerRetentionBanner(pastRetention))
      } else {
        out.write(
          'Keys the ledger knows are skipped: a replay of what the relay already processed issues nothing.\n',
        )
      }

      const shutdown = abortOnShutdownSignals()
      let result: RangeRunResult
      try {
        result = await runRange({
          loaded,
          logger,
          topic,
          from,
          to,
          runId,
          ledgerPolicy: values.reissue ? reissuePolicy(runId) : replayPolicy(runId),
          dryRun: values['dry-run'],
          out,
          label: values['dry-run'] ? 'dry run' : 'replay',
          signal: shutdown.signal,
        })
      } finally {
        shutdown.dispose()
      }
      out.write(`\n${formatRunSummary(result, values['dry-run'])}\n`)
      if (values['dry-run'] && pastRetention.found.length > 0) {
        out.write(pastLedgerRetentionWarning(pastRetention))
      }
      if (!result.completed) {
        const crashed = result.crashed !== undefined
        out.write(
          `\n${crashed ? describeCrash(result.crashed) : 'Interrupted.'} Resume with: ${replayResumeCommand({ topic, runId, from, to, dryRun: values['dry-run'], reissue: values.reissue, config: values.config, allowPastRetention: values['allow-past-retention'] })}\n`,
        )
        return crashed ? 1 : shutdown.exitCode
      }
      return 0
    },
  }
}

/** One line per partition: the offsets a range run covers there, or that it covers none. */
export function formatRangePlan(
  from: ReadonlyMap<number, number>,
  to: ReadonlyMap<number, number>,
): string[] {
  return [...from]
    .sort((a, b) => a[0] - b[0])
    .map(([p, f]) => {
      const t = to.get(p) ?? f
      return t > f ? `partition ${p}: offsets ${f} → ${t}` : `partition ${p}: nothing`
    })
}

/**
 * The command that resumes an interrupted replay over exactly the range it was given: the
 * offsets it resolved, not `--to live` or `--from 2h` read again later (a reissue would then
 * revoke and replace credentials outside the range the operator confirmed).
 */
export function replayResumeCommand(
  run: Pick<RangeRunOptions, 'topic' | 'runId' | 'from' | 'to' | 'dryRun'> & {
    readonly reissue: boolean
    readonly config: string
    /** The run was told to issue records the ledger may have forgotten: so is its resume. */
    readonly allowPastRetention?: boolean
  },
): string {
  const mode = run.dryRun
    ? ' --dry-run'
    : run.reissue
      ? ' --reissue --yes'
      : run.allowPastRetention
        ? ' --allow-past-retention'
        : ''
  return `moca-relay replay --topic ${run.topic} --run-id ${run.runId} --from ${formatPartitionOffsets(run.from)} --to ${formatPartitionOffsets(run.to)}${mode} --config ${run.config}`
}
