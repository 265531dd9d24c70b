import { relative, resolve } from 'node:path'
import { parseCommandLine, refuseUsage } from './usage-error.js'
import { parseDigits } from '../config/env.js'
import { readEnvOrFail } from '../config/load-config.js'
import { createLocalStack, type ServiceUpResult } from '../stack/local-stack.js'
import type { ServiceStatus } from '../stack/managed-service.js'
import {
  resolveStackSettings,
  STACK_DEFAULTS,
  type StackOverrides,
  type StackSettings,
} from '../stack/stack-settings.js'
import type { Command } from './command.js'

/** `status` exit code when a service does not answer, as LSB init scripts do for "not running". */
const EXIT_NOT_RUNNING = 3

const USAGE = `Usage: moca-relay stack <up|down|status> [options]

  up       Start Kafka and Apicurio Registry (downloads them from Maven Central on first use).
           A broker or registry already answering on its port is reused and left alone.
  down     Stop what \`up\` started (and delete the broker's data). Reused services keep running.
  status   Show each service: running (ours, pid) / reused (not ours) / stopped. Exit 3 unless all answer.

Options (each also an environment variable):
  --host <addr>             bind and advertise address   STACK_HOST                  [127.0.0.1]
  --kafka-port <n>          Kafka client port            STACK_KAFKA_PORT            [9092]
  --controller-port <n>     KRaft controller port        STACK_KAFKA_CONTROLLER_PORT [9093]
  --registry-port <n>       Apicurio HTTP port           STACK_REGISTRY_PORT         [8081]
  --stack-dir <path>        downloads, data, pids, logs  STACK_DIR                   [<project>/.stack]
Environment only: STACK_START_TIMEOUT_MS, how long each service may take to answer [120000].

Needs Java 17+ for Kafka, Java 21+ for Apicurio (STACK_REGISTRY_JAVA_HOME, JAVA_HOME, or a JDK under
/usr/lib/jvm), and Maven. Without them, use docker compose up -d kafka apicurio.`

export const stackCommand: Command = {
  name: 'stack',
  summary: 'Start, stop or inspect the local Kafka broker and schema registry',
  usage: USAGE,
  async run(args) {
    const parsed = parseCommandLine('stack', USAGE, {
      args: [...args],
      allowPositionals: true,
      options: {
        host: { type: 'string' },
        'kafka-port': { type: 'string' },
        'controller-port': { type: 'string' },
        'registry-port': { type: 'string' },
        'stack-dir': { type: 'string' },
      },
    })
    if (parsed === null) return 2
    const { values, positionals } = parsed
    const usageError = (problem: string): number =>
      refuseUsage(process.stderr, 'stack', USAGE, problem)
    const [action, ...extra] = positionals
    if (action === undefined) return usageError(`which stack command? (${ACTIONS.join(', ')})`)
    if (!isAction(action))
      return usageError(`unknown stack command "${action}" (${ACTIONS.join(', ')})`)
    if (extra.length > 0) return usageError(`unexpected argument "${extra[0]}"`)
    const ports: { -readonly [K in PortSetting]?: number } = {}
    for (const [flag, setting] of Object.entries(PORT_FLAGS)) {
      const value = values[flag as keyof typeof PORT_FLAGS]
      if (value === undefined) continue
      const port = parseDigits(value, 1, 65535)
      if (port === null)
        return usageError(`--${flag} must be a port number (1-65535), got "${value}"`)
      ports[setting] = port
    }
    const overrides: StackOverrides = {
      ...ports,
      ...(values.host === undefined ? {} : { host: values.host }),
      ...(values['stack-dir'] === undefined ? {} : { stackDir: values['stack-dir'] }),
    }
    const settings = resolveStackSettings(readEnvOrFail(), overrides)
    const print = (line: string): void => {
      process.stdout.write(`${line}\n`)
    }
    const stack = createLocalStack({ settings, report: print, detached: true })

    switch (action) {
      case 'up': {
        const started = Date.now()
        const results = await stack.up()
        for (const result of results) print(describeUp(result))
        const addresses = results.map((r) =>
          r.status.service === 'kafka'
            ? `KAFKA_BROKERS=${r.status.address}`
            : `SCHEMA_REGISTRY_URL=${r.status.address}`,
        )
        print(`Clients: ${addresses.join(' ')}`)
        print(
          `Up in ${((Date.now() - started) / 1000).toFixed(1)} s. Stop with: ${stopCommand(settings)}`,
        )
        return 0
      }
      case 'down': {
        for (const { service, outcome } of await stack.down()) {
          const what = {
            stopped: `stopped${service.name === 'kafka' ? ' (broker data removed)' : ''}`,
            'not-ours': 'left running (not started by this stack)',
            'not-running': 'was not running',
          }[outcome]
          print(`${service.displayName.padEnd(16)} ${what}`)
        }
        return 0
      }
      case 'status': {
        const statuses = await stack.status()
        for (const status of statuses) print(describeStatus(status))
        return statuses.every((s) => s.state === 'running' || s.state === 'reused')
          ? 0
          : EXIT_NOT_RUNNING
      }
    }
  },
}

const ACTIONS = ['up', 'down', 'status'] as const
type Action = (typeof ACTIONS)[number]
const isAction = (word: string): word is Action => (ACTIONS as readonly string[]).includes(word)

/** The port flags, by the setting each overrides. */
const PORT_FLAGS = {
  'kafka-port': 'kafkaPort',
  'controller-port': 'controllerPort',
  'registry-port': 'registryPort',
} as const
type PortSetting = (typeof PORT_FLAGS)[keyof typeof PORT_FLAGS]

/**
 * `npm run stack:down`, with a flag for each setting that differs from the default: a bare
 * `stack:down` looks at the default ports and folder, and would leave this stack running.
 */
function stopCommand(settings: StackSettings): string {
  const defaultStackDir = resolve(settings.projectRoot, '.stack')
  const flags = [
    ...(settings.host === STACK_DEFAULTS.host ? [] : ['--host', settings.host]),
    ...(settings.kafkaPort === STACK_DEFAULTS.kafkaPort
      ? []
      : ['--kafka-port', String(settings.kafkaPort)]),
    ...(settings.controllerPort === STACK_DEFAULTS.controllerPort
      ? []
      : ['--controller-port', String(settings.controllerPort)]),
    ...(settings.registryPort === STACK_DEFAULTS.registryPort
      ? []
      : ['--registry-port', String(settings.registryPort)]),
    ...(settings.stackDir === defaultStackDir ? [] : ['--stack-dir', settings.stackDir]),
  ]
  return flags.length === 0
    ? 'npm run stack:down'
    : `npm run stack:down -- ${flags.map(quoteForShell).join(' ')}`
}

/** Single quotes around anything a POSIX shell would split or expand, so the hint pastes as is. */
function quoteForShell(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`
}

function describeUp({ action, status }: ServiceUpResult): string {
  const label = {
    started: `started (pid ${String(status.pid)})`,
    'already-running': `already running (ours, pid ${String(status.pid)})`,
    reused: 'reused (not ours: down leaves it)',
  }[action]
  const log = status.logFile === undefined ? '' : `  log ${displayPath(status.logFile)}`
  return `${status.displayName.padEnd(16)} ${label.padEnd(36)} ${status.address}${log}`
}

function describeStatus(status: ServiceStatus): string {
  const label = {
    running: `running (ours, pid ${String(status.pid)})`,
    unresponsive: `not answering (ours, pid ${String(status.pid)}: ${status.detail ?? ''})`,
    reused: 'reused (not ours)',
    stopped: 'stopped',
    busy: `port busy (${status.detail ?? 'another program'})`,
  }[status.state]
  const log = status.logFile === undefined ? '' : `  log ${displayPath(status.logFile)}`
  return `${status.displayName.padEnd(16)} ${label.padEnd(36)} ${status.address}${log}`
}

/** Paths under the working directory print relative: shorter, and still copy-pasteable. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path)
  return rel.startsWith('..') ? path : rel
}
