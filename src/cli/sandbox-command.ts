import { readEnvOrFail } from '../config/load-config.js'
import { RelayError } from '../errors/relay-error.js'
import { createLogger, type Logger } from '../ops/logger.js'
import { loadSandboxConfigFile } from '../sandbox/load-sandbox-config.js'
import { startSandbox } from '../sandbox/start-sandbox.js'
import type { Command } from './command.js'
import type { CommandIo } from './keys-command.js'
import { parseCommandLine, refuseUsage } from './usage-error.js'

const USAGE = `Usage:
  moca-relay sandbox --config FILE [--port 8080] [--host 127.0.0.1]
      Runs the MocaChain simulator until Ctrl-C. FILE is YAML or JSON: partners (partnerId,
      jwksUrl), programs (credentialId, issuerDid, partnerId, credentialSubjectSchema), users,
      settings, jwks timings and faults; examples/sandbox.yaml shows every field.
      API:      POST /v1/credentials/issue-on-behalf, GET /v1/credentials/status?coreClaimHash=…
      Control:  GET /_sandbox/calls, /_sandbox/stats; POST /_sandbox/faults, /_sandbox/settings,
                /_sandbox/consent, /_sandbox/feature, /_sandbox/reset (no JWT needed)
      LOG_LEVEL sets the log level (info by default).`

/** Port of the documented examples; any free port works (0 picks one). */
const DEFAULT_PORT = 8080
/** Loopback only: the control endpoints need no JWT. */
const DEFAULT_HOST = '127.0.0.1'

export interface SandboxCommandDeps extends CommandIo {
  /** Resolves when the command should stop. @default SIGINT or SIGTERM */
  readonly untilStopped?: () => Promise<void>
  /** @default a pino logger at LOG_LEVEL, pretty on a terminal */
  readonly logger?: Logger
}

/** `moca-relay sandbox`: the simulator as a long-running process. */
export function createSandboxCommand(deps: SandboxCommandDeps): Command {
  return {
    name: 'sandbox',
    summary: 'Run the MocaChain simulator (Issue-on-Behalf API, JWKS auth, faults, control API).',
    usage: USAGE,
    async run(args) {
      const parsed = parseCommandLine(
        'sandbox',
        USAGE,
        {
          args: [...args],
          options: {
            config: { type: 'string' },
            port: { type: 'string', default: String(DEFAULT_PORT) },
            host: { type: 'string', default: DEFAULT_HOST },
          },
        },
        deps.stderr,
      )
      if (parsed === null) return 2
      const { values } = parsed
      const port = Number(values.port)
      if (values.config === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
        return refuseUsage(
          deps.stderr,
          'sandbox',
          USAGE,
          '--config FILE and a valid --port are required.',
        )
      }
      const config = await loadSandboxConfigFile(values.config)
      const env = (deps.env ?? readEnvOrFail)()
      const logger =
        deps.logger ??
        createLogger({
          level: env.LOG_LEVEL ?? 'info',
          pretty: process.stdout.isTTY,
          base: { component: 'sandbox' },
        })
      const sandbox = await startSandbox({ config, logger, port, host: values.host }).catch(
        (err: unknown) => {
          const code = (err as { code?: unknown }).code
          if (code !== 'EADDRINUSE' && code !== 'EADDRNOTAVAIL' && code !== 'EACCES') throw err
          throw new RelayError(
            'SANDBOX_LISTEN_FAILED',
            `cannot listen on ${values.host}:${port} (${code}): ${code === 'EADDRINUSE' ? 'another program holds the port; pick another --port' : code === 'EACCES' ? 'ports below 1024 need privileges; pick another --port' : `${values.host} is not an address of this machine; fix --host`}`,
            { classification: 'terminal', cause: err },
          )
        },
      )
      deps.stdout.write(
        `MocaChain sandbox: base URL ${sandbox.url}  (inspect ${sandbox.origin}/_sandbox/calls, /_sandbox/stats)\n`,
      )
      await (deps.untilStopped ?? untilSignal)()
      await sandbox.close()
      logger.flush()
      return 0
    },
  }
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}
