import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { parseConfig } from '../../src/config/load-config.js'
// the least a config must say besides the section an example shows
import { MINIMAL } from '../../src/config/render-config-reference.js'

/** The secrets the README tells users to keep in the environment, for the sections using them. */
function secretsFor(example: Record<string, unknown>): Record<string, string> {
  const kafka = example.kafka as Record<string, unknown>
  return {
    ...(kafka.sasl === undefined
      ? {}
      : { KAFKA_SASL_PASSWORD: 'kafka-password', KAFKA_SASL_CLIENT_SECRET: 'client-secret' }),
    ...(example.schemaRegistry === undefined
      ? {}
      : { SCHEMA_REGISTRY_PASSWORD: 'registry-password' }),
  }
}

async function readmeKafkaExamples(): Promise<string[]> {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8')
  return [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((match) => match[1] as string)
    .filter((block) => /^kafka:/m.test(block))
}

describe('README configuration examples', () => {
  it('finds the Kafka examples (TLS, Confluent Cloud, Aiven, OAuth)', async () => {
    expect((await readmeKafkaExamples()).length).toBeGreaterThanOrEqual(4)
  })

  it('parses each, with its secrets from the environment as the README says', async () => {
    for (const block of await readmeKafkaExamples()) {
      const example = parseYaml(block) as Record<string, unknown>
      expect(() =>
        parseConfig(
          { ...MINIMAL, ...example },
          { env: secretsFor(example), configPath: '/etc/relay.yaml' },
        ),
      ).not.toThrow()
    }
  })
})
