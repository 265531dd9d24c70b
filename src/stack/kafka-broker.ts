import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { RelayError } from '../errors/relay-error.js'
import { findJava, javaInHome, type JavaRuntime } from './java-runtime.js'
import { probeKafka } from './kafka-metadata-probe.js'
import { createManagedService, type ManagedService, type ProbeAnswer } from './managed-service.js'
import type { MavenArtifacts } from './maven-artifacts.js'
import { formatHostPort } from './port-probe.js'
import { pathExists } from './path-exists.js'
import { fillPlaceholders } from './properties-file.js'
import { lastLines, runCommand } from './run-command.js'
import type { StackSettings } from './stack-settings.js'

/** Kafka 3.9 and 4.x brokers run on Java 17+. */
const KAFKA_MIN_JAVA = 17
/** A probe gets this long; a local broker answers Metadata in milliseconds. */
const PROBE_TIMEOUT_MS = 1_000
/** StorageTool format is one short JVM run. */
const FORMAT_TIMEOUT_MS = 60_000
/**
 * The start scripts default to -Xms1g -Xmx1g; 256 MB grows as needed and leaves room on small
 * machines. G1 with a short pause target is what kafka-run-class.sh uses.
 */
const KAFKA_JVM_OPTIONS = [
  '-Xms256m',
  '-Xmx1g',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-Djava.awt.headless=true',
] as const

export interface KafkaBrokerDeps {
  readonly settings: StackSettings
  readonly artifacts: MavenArtifacts
  readonly detached: boolean
  /** Appended to server.properties; a key given again replaces the template's (e.g. listeners). */
  readonly extraProperties?: string
  /** More StorageTool format arguments, e.g. `--add-scram` users for a SASL listener. */
  readonly formatArguments?: readonly string[]
}

/** The local KRaft broker (one combined broker+controller node). */
export function createKafkaBroker(deps: KafkaBrokerDeps): ManagedService {
  const { settings } = deps
  const instanceDir = join(settings.stackDir, 'run', `kafka-${settings.kafkaPort}`)
  const dataDir = join(instanceDir, 'data')
  const propertiesFile = join(instanceDir, 'server.properties')
  const log4jConfig = `-Dlog4j.configuration=file:${join(settings.infraDir, 'kafka', 'log4j.properties')}`
  const address = { host: settings.host, port: settings.kafkaPort }
  let java: JavaRuntime | undefined

  async function findKafkaJava(): Promise<JavaRuntime> {
    java ??= await findJava({
      purpose: 'The Kafka broker',
      minimumMajor: KAFKA_MIN_JAVA,
      candidates: [
        ...(settings.javaHome === undefined
          ? []
          : [{ path: javaInHome(settings.javaHome), source: 'JAVA_HOME' }]),
        { path: 'java', source: 'java on PATH' },
      ],
    })
    return java
  }

  async function probe(): Promise<ProbeAnswer> {
    const answer = await probeKafka(address, PROBE_TIMEOUT_MS)
    if (answer.kind === 'kafka') {
      // a KRaft broker lists itself only once it is unfenced, i.e. ready for clients
      return answer.brokers.length > 0
        ? { kind: 'ready' }
        : { kind: 'other', detail: 'is a Kafka broker that lists no brokers yet' }
    }
    return answer
  }

  async function prepare(): Promise<{ java: string; args: readonly string[] }> {
    const [runtime, libDir] = await Promise.all([findKafkaJava(), deps.artifacts.kafkaLibDir()])
    const classpath = join(libDir, '*')
    const properties = await renderServerProperties({ settings, dataDir })
    await writeFile(
      propertiesFile,
      deps.extraProperties === undefined
        ? properties
        : `${properties.trimEnd()}\n\n${deps.extraProperties.trim()}\n`,
    )
    if (!(await pathExists(join(dataDir, 'meta.properties')))) {
      await formatStorage(runtime.path, classpath)
    }
    return {
      java: runtime.path,
      args: [...KAFKA_JVM_OPTIONS, log4jConfig, '-cp', classpath, 'kafka.Kafka', propertiesFile],
    }
  }

  async function formatStorage(javaPath: string, classpath: string): Promise<void> {
    await mkdir(dataDir, { recursive: true })
    const clusterId = newClusterId()
    const result = await runCommand({
      command: javaPath,
      args: [
        log4jConfig,
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId,
        '-c',
        propertiesFile,
        '--ignore-formatted',
        ...(deps.formatArguments ?? []),
      ],
      timeoutMs: FORMAT_TIMEOUT_MS,
    })
    if (result.exitCode !== 0) {
      throw new RelayError(
        'STACK_START_FAILED',
        `formatting the Kafka data folder ${dataDir} failed${result.timedOut ? ' (timed out)' : ''}: ${lastLines(result.output, 2).join(' | ')}. Fix: delete ${dataDir} and run again.`,
        { classification: 'systemic' },
      )
    }
  }

  return createManagedService({
    definition: {
      name: 'kafka',
      displayName: 'Kafka broker',
      address: formatHostPort(address),
      instanceDir,
      ports: [
        { ...address, purpose: 'Kafka clients', setting: 'STACK_KAFKA_PORT' },
        {
          host: settings.host,
          port: settings.controllerPort,
          purpose: 'KRaft controller',
          setting: 'STACK_KAFKA_CONTROLLER_PORT',
        },
      ],
      externalSetting: 'KAFKA_BROKERS',
      probe,
      checkRequirements: async () => {
        await findKafkaJava()
      },
      prepare,
      // the registry keeps schemas in memory: dropping the topics too keeps the two in step
      cleanUp: () => rm(dataDir, { recursive: true, force: true }),
    },
    startTimeoutMs: settings.startTimeoutMs,
    stopGracefulMs: settings.stopGracefulMs,
    detached: deps.detached,
  })
}

/**
 * A fresh KRaft cluster id: 16 random bytes in base64url, as `kafka-storage random-uuid` prints.
 * Like Kafka's own Uuid.randomUuid(), never one starting with "-": StorageTool's argument parser
 * takes `-t -abc…` for an option and fails with "argument --cluster-id/-t: expected one
 * argument" (1 start in 64 did).
 */
export function newClusterId(random: (size: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(16).toString('base64url')
    if (!id.startsWith('-')) return id
  }
}

/** infra/kafka/server.properties with its placeholders filled, then the single-node settings. */
export async function renderServerProperties(options: {
  settings: StackSettings
  dataDir: string
}): Promise<string> {
  const kafkaInfra = join(options.settings.infraDir, 'kafka')
  const [template, singleNode] = await Promise.all([
    readFile(join(kafkaInfra, 'server.properties'), 'utf8'),
    readFile(join(kafkaInfra, 'single-node.properties'), 'utf8'),
  ])
  const network = fillPlaceholders(template, {
    HOST: options.settings.host,
    PORT: String(options.settings.kafkaPort),
    CONTROLLER_PORT: String(options.settings.controllerPort),
    DATA_DIR: options.dataDir,
  })
  return `${network.trimEnd()}\n\n${singleNode}`
}
