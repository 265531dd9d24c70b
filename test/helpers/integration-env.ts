/**
 * Where the real services for integration tests are. The vitest globalSetup (being built
 * separately) will provide these variables; until then they come from the shell:
 * KAFKA_BROKERS=127.0.0.1:9092 SCHEMA_REGISTRY_URL=http://127.0.0.1:8081/apis/ccompat/v7
 */
export interface IntegrationEnv {
  readonly kafkaBrokers: readonly string[] | null
  readonly schemaRegistryUrl: string | null
}

export function readIntegrationEnv(env: NodeJS.ProcessEnv = process.env): IntegrationEnv {
  const brokers = env.KAFKA_BROKERS?.trim()
  const registry = env.SCHEMA_REGISTRY_URL?.trim()
  return {
    kafkaBrokers: brokers ? brokers.split(',').map((b) => b.trim()) : null,
    schemaRegistryUrl: registry ? registry : null,
  }
}

/** Appended to a describe() title so a skipped suite says why in the test report. */
export function skipReason(missing: readonly string[]): string {
  return missing.length === 0
    ? ''
    : ` (skipped: set ${missing.join(' and ')} to run against real services)`
}
