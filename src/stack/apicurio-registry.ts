import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { findJava, javaInHome, type JavaCandidate, type JavaRuntime } from './java-runtime.js'
import { createManagedService, type ManagedService, type ProbeAnswer } from './managed-service.js'
import type { MavenArtifacts } from './maven-artifacts.js'
import { parseProperties } from './properties-file.js'
import { CCOMPAT_PATH, probeRegistry } from './registry-probe.js'
import type { StackSettings } from './stack-settings.js'

/** Apicurio Registry 3.3's classes are Java 21 class files (version 65). */
const REGISTRY_MIN_JAVA = 21
/** A probe gets this long; the registry answers /subjects in milliseconds once up. */
const PROBE_TIMEOUT_MS = 2_000
/**
 * In-memory H2 and a handful of schemas: 512 MB is plenty. C1 only: Quarkus' start is mostly
 * JIT work, and on two cores next to a starting broker this halves `stack up` (measured 6–9 s →
 * 4–5 s); a development registry never needs C2's peak speed. Kafka keeps the full JIT, since
 * benchmarks run through it.
 */
const REGISTRY_JVM_OPTIONS = ['-Xmx512m', '-XX:TieredStopAtLevel=1'] as const

export interface ApicurioRegistryDeps {
  readonly settings: StackSettings
  readonly artifacts: MavenArtifacts
  readonly detached: boolean
}

/** Apicurio Registry from its Quarkus fast-jar, serving the Confluent API at /apis/ccompat/v7. */
export function createApicurioRegistry(deps: ApicurioRegistryDeps): ManagedService {
  const { settings } = deps
  const instanceDir = join(settings.stackDir, 'run', `apicurio-${settings.registryPort}`)
  const origin = `http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${settings.registryPort}`
  const address = `${origin}${CCOMPAT_PATH}`
  let java: JavaRuntime | undefined

  async function findRegistryJava(): Promise<JavaRuntime> {
    const candidates: JavaCandidate[] = []
    if (settings.registryJavaHome !== undefined) {
      candidates.push({
        path: javaInHome(settings.registryJavaHome),
        source: 'STACK_REGISTRY_JAVA_HOME',
        mustMatch: true,
      })
    }
    if (settings.javaHome !== undefined) {
      candidates.push({ path: javaInHome(settings.javaHome), source: 'JAVA_HOME' })
    }
    candidates.push({ path: 'java', source: 'java on PATH' })
    java ??= await findJava({
      purpose: 'Apicurio Registry',
      minimumMajor: REGISTRY_MIN_JAVA,
      candidates,
    })
    return java
  }

  async function probe(): Promise<ProbeAnswer> {
    const answer = await probeRegistry(address, PROBE_TIMEOUT_MS)
    return answer.kind === 'registry' ? { kind: 'ready' } : answer
  }

  async function prepare(): Promise<{ java: string; args: readonly string[] }> {
    const [runtime, jar, shared] = await Promise.all([
      findRegistryJava(),
      deps.artifacts.registryJar(),
      readFile(join(settings.infraDir, 'apicurio', 'registry.properties'), 'utf8'),
    ])
    const sharedOptions = [...parseProperties(shared)].map(([key, value]) => `-D${key}=${value}`)
    return {
      java: runtime.path,
      args: [
        ...REGISTRY_JVM_OPTIONS,
        `-Dquarkus.http.host=${settings.host}`,
        `-Dquarkus.http.port=${settings.registryPort}`,
        // Quarkus' management interface (health, metrics) defaults to 0.0.0.0:9000: a second
        // registry, or anything else on 9000, would make the start fail. Port 0 picks a free one.
        `-Dquarkus.management.host=${settings.host}`,
        '-Dquarkus.management.port=0',
        ...sharedOptions,
        '-jar',
        jar,
      ],
    }
  }

  return createManagedService({
    definition: {
      name: 'registry',
      displayName: 'schema registry',
      address,
      instanceDir,
      ports: [
        {
          host: settings.host,
          port: settings.registryPort,
          purpose: 'registry HTTP',
          setting: 'STACK_REGISTRY_PORT',
        },
      ],
      externalSetting: 'SCHEMA_REGISTRY_URL',
      probe,
      checkRequirements: async () => {
        await findRegistryJava()
      },
      prepare,
      // schemas live in the registry's in-memory H2: nothing on disk to remove
      cleanUp: async () => undefined,
    },
    startTimeoutMs: settings.startTimeoutMs,
    stopGracefulMs: settings.stopGracefulMs,
    detached: deps.detached,
  })
}
