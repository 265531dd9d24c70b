import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseProperties } from '../../src/stack/properties-file.js'
import { findProjectRoot } from '../../src/stack/stack-settings.js'
import { kafkaImageVariable, quarkusVariable, readComposeFile } from '../support/compose-file.js'

/**
 * docker-compose.yml cannot run on machines without Docker, so nothing else would notice when
 * it drifts from the local stack. Addresses and paths differ on purpose; everything else must not.
 */
const root = findProjectRoot()
const readInfra = async (...path: string[]) =>
  parseProperties(await readFile(join(root, 'infra', ...path), 'utf8'))

/** server.properties keys that are addresses or paths: each runtime has its own. */
const PER_RUNTIME = new Set([
  'controller.quorum.voters',
  'listeners',
  'advertised.listeners',
  'inter.broker.listener.name',
  'listener.security.protocol.map',
  'log.dirs',
])

describe('docker-compose.yml and the local stack', () => {
  it('give the broker the same settings', async () => {
    const compose = (await readComposeFile()).services.kafka.environment
    const singleNode = await readInfra('kafka', 'single-node.properties')
    const template = await readInfra('kafka', 'server.properties')
    const shared = new Map([...template, ...singleNode].filter(([key]) => !PER_RUNTIME.has(key)))

    for (const [key, value] of shared) {
      expect(compose[kafkaImageVariable(key)], `${key} in docker-compose.yml`).toBe(value)
    }
    const known = new Set([...shared.keys(), ...PER_RUNTIME].map(kafkaImageVariable))
    const extra = Object.keys(compose).filter((name) => !known.has(name))
    expect(extra, 'compose-only broker settings: add them to infra/kafka').toEqual([])
  })

  it('give the registry the same settings', async () => {
    const compose = (await readComposeFile()).services.apicurio.environment
    const shared = await readInfra('apicurio', 'registry.properties')
    expect(shared.size).toBeGreaterThan(0)
    for (const [key, value] of shared) {
      expect(compose[quarkusVariable(key)], `${key} in docker-compose.yml`).toBe(value)
    }
  })

  it('run the versions the Maven POMs download', async () => {
    const { services } = await readComposeFile()
    const kafkaPom = await readFile(join(root, 'infra', 'kafka', 'pom.xml'), 'utf8')
    const registryPom = await readFile(join(root, 'infra', 'apicurio', 'pom.xml'), 'utf8')
    const kafkaVersion = /<artifactId>kafka_2\.13<\/artifactId>\s*<version>([^<]+)</.exec(
      kafkaPom,
    )?.[1]
    const registryVersion =
      /<artifactId>apicurio-registry-app<\/artifactId>\s*<version>([^<]+)</.exec(registryPom)?.[1]
    expect(services.kafka.image).toBe(`apache/kafka:${kafkaVersion}`)
    expect(services.apicurio.image).toBe(`apicurio/apicurio-registry:${registryVersion}`)
  })
})
