import {
  GenericContainer,
  getContainerRuntimeClient,
  Wait,
  type StartedTestContainer,
} from 'testcontainers'
import { CCOMPAT_PATH } from '../../src/stack/registry-probe.js'
import { readComposeFile } from '../support/compose-file.js'
import { findFreePort } from '../support/free-port.js'

/**
 * The docker-compose.yml services, started with testcontainers for a test run. Image tags and
 * settings come from the compose file itself, so tests run what `docker compose up` runs.
 */

/** Pulling two images on a cold machine takes a while. */
const CONTAINER_START_TIMEOUT_MS = 180_000

/** Whether testcontainers finds a Docker (or Podman…) engine it can use. */
export async function isContainerRuntimeAvailable(): Promise<boolean> {
  try {
    await getContainerRuntimeClient()
    return true
  } catch {
    return false
  }
}

export interface StartedService {
  readonly address: string
  stop(): Promise<void>
}

export async function startKafkaContainer(): Promise<StartedService> {
  const compose = await readComposeFile()
  const { host } = (await getContainerRuntimeClient()).info.containerRuntime
  // Kafka tells clients where to connect (advertised listeners), so the host port must be known
  // before the container starts: pick one and bind it explicitly instead of a random mapping.
  const hostPort = await findFreePort()
  const environment = {
    ...compose.services.kafka.environment,
    KAFKA_ADVERTISED_LISTENERS:
      compose.services.kafka.environment['KAFKA_ADVERTISED_LISTENERS']?.replace(
        /HOST:\/\/[^,]+/,
        `HOST://${host}:${hostPort}`,
      ) ?? `HOST://${host}:${hostPort}`,
  }
  const container = await new GenericContainer(compose.services.kafka.image)
    .withHostname('kafka')
    .withEnvironment(environment)
    .withExposedPorts({ container: 9092, host: hostPort })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(CONTAINER_START_TIMEOUT_MS)
    .start()
  return { address: `${host}:${hostPort}`, stop: () => stopContainer(container) }
}

export async function startRegistryContainer(): Promise<StartedService> {
  const compose = await readComposeFile()
  const container = await new GenericContainer(compose.services.apicurio.image)
    .withEnvironment(compose.services.apicurio.environment)
    .withExposedPorts(8080)
    .withWaitStrategy(Wait.forHttp(`${CCOMPAT_PATH}/subjects`, 8080).forStatusCode(200))
    .withStartupTimeout(CONTAINER_START_TIMEOUT_MS)
    .start()
  return {
    address: `http://${container.getHost()}:${container.getMappedPort(8080)}${CCOMPAT_PATH}`,
    stop: () => stopContainer(container),
  }
}

async function stopContainer(container: StartedTestContainer): Promise<void> {
  await container.stop()
}
