import { join } from 'node:path'
import { readEnv } from '../../src/config/env.js'
import { createKafkaBroker } from '../../src/stack/kafka-broker.js'
import type { ManagedService } from '../../src/stack/managed-service.js'
import { createMavenArtifacts } from '../../src/stack/maven-artifacts.js'
import { ownershipMarker, stopProcess } from '../../src/stack/owned-process.js'
import { resolveStackSettings } from '../../src/stack/stack-settings.js'
import { findFreePort } from '../support/free-port.js'

/**
 * A Kafka broker of the chaos run's own, for the broker-restart scenario: the local stack's
 * broker (src/stack) on free ports with its own data folder (`.stack/run/kafka-<port>`), so that
 * restarting it touches nobody else's broker. The jars come from the stack's downloads folder.
 */
export interface DedicatedBroker {
  /** `127.0.0.1:<port>` */
  readonly address: string
  /** SIGTERM the broker (SIGKILL after `graceMs`); its data stays for the restart. */
  stop(graceMs: number): Promise<void>
  /** Starts it again on the same port and data folder; resolves once it answers. */
  restart(): Promise<void>
  /** Stops it and deletes its data. */
  remove(): Promise<void>
}

export async function startDedicatedBroker(
  report: (line: string) => void,
  options: {
    /** server.properties lines on top of the stack's, given the broker's two ports. */
    readonly extraProperties?: (ports: { kafkaPort: number; controllerPort: number }) => string
    /** More StorageTool format arguments (e.g. SCRAM users). */
    readonly formatArguments?: readonly string[]
  } = {},
): Promise<DedicatedBroker> {
  const kafkaPort = await findFreePort()
  let controllerPort = await findFreePort()
  while (controllerPort === kafkaPort) controllerPort = await findFreePort()
  const settings = resolveStackSettings(readEnv(), { kafkaPort, controllerPort })
  const extraProperties = options.extraProperties?.({ kafkaPort, controllerPort })
  const service: ManagedService = createKafkaBroker({
    settings,
    artifacts: createMavenArtifacts({
      infraDir: settings.infraDir,
      downloadsDir: join(settings.stackDir, 'downloads'),
      timeoutMs: settings.downloadTimeoutMs,
      report,
    }),
    // attached: Ctrl-C on the chaos run reaches this broker too
    detached: false,
    ...(extraProperties === undefined ? {} : { extraProperties }),
    ...(options.formatArguments === undefined ? {} : { formatArguments: options.formatArguments }),
  })
  const instanceDir = join(settings.stackDir, 'run', `kafka-${kafkaPort}`)
  report(
    `starting a dedicated Kafka broker on ${settings.host}:${kafkaPort} (log ${service.logFile})`,
  )
  await service.start()
  return {
    address: service.address,
    async stop(graceMs) {
      const status = await service.status()
      if (status.pid === undefined)
        throw new Error(`the dedicated broker is not running (${status.state})`)
      await stopProcess({
        pid: status.pid,
        marker: ownershipMarker(instanceDir),
        gracefulMs: graceMs,
      })
    },
    async restart() {
      await service.start()
    },
    async remove() {
      await service.stop()
    },
  }
}
