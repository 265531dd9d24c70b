import { existsSync, readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RelayEnv } from '../config/env.js'
import { RelayError } from '../errors/relay-error.js'

/**
 * Defaults of the local stack, in one place. The ports are the ones every Kafka and
 * schema-registry tutorial uses, so examples and tools work unchanged.
 */
export const STACK_DEFAULTS = {
  // not "localhost": Node 20 may resolve it to ::1 first while the JVMs bind IPv4 only
  host: '127.0.0.1',
  kafkaPort: 9092,
  controllerPort: 9093,
  // 8081 is the Confluent registry's customary port; Apicurio's own default 8080 clashes more
  registryPort: 8081,
  // Kafka is ready in 2–10 s and Apicurio in 3–15 s on two cores; a loaded CI box gets headroom
  startTimeoutMs: 120_000,
  // Kafka's jars (~60) plus Apicurio's 160 MB archive over a slow link
  downloadTimeoutMs: 15 * 60_000,
  // a single KRaft node shuts down in 1–3 s; past this it is stuck and gets SIGKILL
  stopGracefulMs: 30_000,
} as const

/** Everything the local stack needs to know, every field decided. */
export interface StackSettings {
  readonly host: string
  readonly kafkaPort: number
  readonly controllerPort: number
  readonly registryPort: number
  /** The package folder (holds infra/). */
  readonly projectRoot: string
  readonly infraDir: string
  /** Downloads, broker data, pid and log files: `<projectRoot>/.stack` unless STACK_DIR says. */
  readonly stackDir: string
  readonly startTimeoutMs: number
  readonly downloadTimeoutMs: number
  readonly stopGracefulMs: number
  /** JDK home tried first for Apicurio (needs 21+). */
  readonly registryJavaHome: string | undefined
  readonly javaHome: string | undefined
}

export type StackOverrides = Partial<
  Pick<
    StackSettings,
    'host' | 'kafkaPort' | 'controllerPort' | 'registryPort' | 'stackDir' | 'startTimeoutMs'
  >
>

/** Defaults, then the environment, then explicit overrides (CLI flags, tests). */
export function resolveStackSettings(
  env: Readonly<RelayEnv>,
  overrides: StackOverrides = {},
): StackSettings {
  const projectRoot = findProjectRoot()
  const settings: StackSettings = {
    host: overrides.host ?? env.STACK_HOST ?? STACK_DEFAULTS.host,
    kafkaPort: overrides.kafkaPort ?? env.STACK_KAFKA_PORT ?? STACK_DEFAULTS.kafkaPort,
    controllerPort:
      overrides.controllerPort ?? env.STACK_KAFKA_CONTROLLER_PORT ?? STACK_DEFAULTS.controllerPort,
    registryPort: overrides.registryPort ?? env.STACK_REGISTRY_PORT ?? STACK_DEFAULTS.registryPort,
    projectRoot,
    infraDir: join(projectRoot, 'infra'),
    stackDir: resolve(overrides.stackDir ?? env.STACK_DIR ?? join(projectRoot, '.stack')),
    startTimeoutMs:
      overrides.startTimeoutMs ?? env.STACK_START_TIMEOUT_MS ?? STACK_DEFAULTS.startTimeoutMs,
    downloadTimeoutMs: STACK_DEFAULTS.downloadTimeoutMs,
    stopGracefulMs: STACK_DEFAULTS.stopGracefulMs,
    registryJavaHome: env.STACK_REGISTRY_JAVA_HOME,
    javaHome: env.JAVA_HOME,
  }
  if (isIP(settings.host) === 6) {
    // kafkajs splits each bootstrap broker at its first ':' ("[::1]:9092" is host "[", port NaN),
    // so no relay could reach a broker listening on an IPv6 literal.
    throw new RelayError(
      'CONFIG_INVALID',
      `the local stack cannot listen on the IPv6 address ${settings.host}: the relay's Kafka client (kafkajs) reads a bootstrap broker as host:port split at the first ':', so it could not connect. Fix: set STACK_HOST (--host) to an IPv4 address such as 127.0.0.1, or to a host name.`,
      { classification: 'terminal' },
    )
  }
  const ports = [settings.kafkaPort, settings.controllerPort, settings.registryPort]
  if (new Set(ports).size !== ports.length) {
    throw new RelayError(
      'CONFIG_INVALID',
      `the local stack needs three different ports; got Kafka ${settings.kafkaPort}, controller ${settings.controllerPort}, registry ${settings.registryPort}. Fix: change STACK_KAFKA_PORT, STACK_KAFKA_CONTROLLER_PORT or STACK_REGISTRY_PORT.`,
      { classification: 'terminal' },
    )
  }
  return Object.freeze(settings)
}

/**
 * The folder of moca-relay's package.json, found from this file: the same answer from src/
 * (vitest), dist/src/ (the CLI) and node_modules/moca-relay/, whatever the working directory.
 */
export function findProjectRoot(start: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }
      if (name === 'moca-relay') return dir
    }
    if (dirname(dir) === dir) throw new Error(`no moca-relay package.json above ${start}`)
  }
}
