import type { TestProject } from 'vitest/node'
import { readEnv } from '../../src/config/env.js'
import { createLocalStack } from '../../src/stack/local-stack.js'
import type { ServiceName } from '../../src/stack/managed-service.js'
import { resolveStackSettings } from '../../src/stack/stack-settings.js'
import { describeLogTrouble } from './service-log-trouble.js'

/**
 * globalSetup of the integration project: gives every test file a real Kafka broker and a
 * Confluent-API schema registry, in this order of preference for each of the two:
 *   1. KAFKA_BROKERS / SCHEMA_REGISTRY_URL, when set: used as they are;
 *   2. testcontainers (the docker-compose.yml images), when a container engine answers;
 *   3. the local stack (src/stack, the code behind `npm run stack:up`), which itself reuses a
 *      broker or registry already answering on its ports.
 * Teardown stops only what this run started, after quoting any trouble in the log of a registry
 * it started (service-log-trouble.ts).
 */

declare module 'vitest' {
  export interface ProvidedContext {
    /** Bootstrap brokers, e.g. ["127.0.0.1:9092"]. */
    kafkaBrokers: string[]
    /** Base URL of the Confluent-compatible API, e.g. "http://127.0.0.1:8081/apis/ccompat/v7". */
    schemaRegistryUrl: string
  }
}

const log = (line: string): void => {
  process.stderr.write(`[integration stack] ${line}\n`)
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const env = readEnv()
  const stops: (() => Promise<void>)[] = []
  const teardown = async (): Promise<void> => {
    for (const stop of stops.reverse()) {
      await stop().catch((err: unknown) => log(`stopping failed: ${String(err)}`))
    }
  }

  try {
    let kafkaBrokers = env.KAFKA_BROKERS?.split(',').map((broker) => broker.trim())
    let registryUrl = env.SCHEMA_REGISTRY_URL
    const missing: ServiceName[] = [
      ...(kafkaBrokers === undefined ? (['kafka'] as const) : []),
      ...(registryUrl === undefined ? (['registry'] as const) : []),
    ]

    if (missing.length > 0) {
      // imported lazily: testcontainers is only needed when no address was given
      const containers = await import('./container-stack.js')
      if (await containers.isContainerRuntimeAvailable()) {
        log(`starting ${missing.join(' and ')} with testcontainers (docker-compose.yml images)`)
        const [kafka, registry] = await Promise.all([
          missing.includes('kafka') ? containers.startKafkaContainer() : undefined,
          missing.includes('registry') ? containers.startRegistryContainer() : undefined,
        ])
        for (const started of [kafka, registry]) if (started) stops.push(() => started.stop())
        kafkaBrokers ??= kafka === undefined ? undefined : [kafka.address]
        registryUrl ??= registry?.address
      } else {
        const stack = createLocalStack({
          settings: resolveStackSettings(env),
          report: log,
          // attached: Ctrl-C on the test run reaches the JVMs too
          detached: false,
          services: missing,
        })
        const results = await stack.up()
        for (const { action, status } of results) {
          const service = stack.services.find((s) => s.name === status.service)
          if (action === 'started' && service !== undefined) {
            const { logFile } = status
            stops.push(async () => {
              // The broker logs routine ERRORs (a partition created late); the registry does not.
              if (status.service === 'registry' && logFile !== undefined) {
                const trouble = await describeLogTrouble(service.displayName, logFile)
                if (trouble !== undefined) log(trouble)
              }
              await service.stop()
              log(`stopped the ${service.displayName} it started`)
            })
          }
          const where = status.logFile === undefined ? '' : `, log ${status.logFile}`
          log(`${status.displayName} ${action} at ${status.address}${where}`)
          if (status.service === 'kafka') kafkaBrokers = [status.address]
          else registryUrl = status.address
        }
      }
    }

    if (kafkaBrokers === undefined || registryUrl === undefined) {
      throw new Error('integration stack: no broker or registry address after setup (a bug)')
    }
    project.provide('kafkaBrokers', kafkaBrokers)
    project.provide('schemaRegistryUrl', registryUrl)
    return teardown
  } catch (err) {
    await teardown()
    throw err
  }
}
