import { loadConfig } from '../config/load-config.js'
import { createLogger } from '../ops/logger.js'
import { armShutdownDeadline, untilShutdownSignal } from '../ops/shutdown-signals.js'
import type { Command } from './command.js'
import { composeRelay } from './compose-relay.js'
import { parseCommandLine } from './usage-error.js'

const USAGE = `Usage:
  moca-relay run [--config relay.yaml]
      Runs the relay: the issue stage (domain events → issue-on-behalf → credential.issued) and
      the confirm stage (status polling → credential.onchain / credential.failed) until SIGTERM or
      Ctrl-C, which stop intake, drain in-flight calls (shutdown.drainTimeout), commit and exit.
      Endpoints and secrets come from the environment: KAFKA_BROKERS, SCHEMA_REGISTRY_URL,
      MOCA_BASE_URL, MOCA_PARTNER_ID, MOCA_PARTNER_PRIVATE_KEY, LOG_LEVEL, MOCA_RELAY_OPS_PORT.`

/** Closing producers and the HTTP pool after the drain takes seconds, not more. */
const CLOSE_BUDGET_MS = 15_000

export function createRunCommand(): Command {
  return {
    name: 'run',
    summary: 'Run the relay (issue and confirm stages) until SIGTERM.',
    usage: USAGE,
    async run(args) {
      const parsed = parseCommandLine('run', USAGE, {
        args: [...args],
        options: { config: { type: 'string', default: 'relay.yaml' } },
      })
      if (parsed === null) return 2
      const configPath = parsed.values.config
      const loaded = await loadConfig(configPath)
      const { config } = loaded
      const logger = createLogger({
        level: config.log.level,
        pretty: config.log.pretty ?? process.stdout.isTTY === true,
      })
      let crashed: unknown = null
      let resolveCrash!: () => void
      const crash = new Promise<void>((resolve) => (resolveCrash = resolve))
      const process_ = await composeRelay(loaded, {
        logger,
        onCrash: (err) => {
          crashed = err
          resolveCrash()
        },
      })
      await process_.start()
      const reason = await Promise.race([untilShutdownSignal(), crash.then(() => 'crash' as const)])
      logger.info({ reason }, 'stopping: no new records, draining in-flight calls')
      const disarm = armShutdownDeadline(config.shutdown.drainTimeout + CLOSE_BUDGET_MS, () => {
        logger.error('shutdown did not finish in time; exiting')
        process.exit(1)
      })
      await process_.stop()
      disarm()
      logger.info('stopped')
      logger.flush()
      if (crashed !== null) {
        logger.fatal({ err: crashed }, 'the Kafka consumer crashed and could not restart')
        return 1
      }
      return 0
    },
  }
}
