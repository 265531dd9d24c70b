import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { loadConfig } from '../../src/config/load-config.js'
import { RelayError } from '../../src/errors/relay-error.js'
import { minimalConfig } from '../support/minimal-config.js'

/**
 * Was: `KAFKA_BROKERS=foo moca-relay run --config relay.yaml` printed "invalid configuration in
 * relay.yaml: - kafka.brokers[0]: a broker is host:port" although the file said 127.0.0.1:9092:
 * environment overrides were merged into the file before validation, and every issue was blamed
 * on the file. A value an environment variable set is now named as that variable.
 */
const file = {
  kafka: {
    brokers: ['127.0.0.1:9092'],
    sasl: { mechanism: 'plain', username: 'relay', password: 'from-the-file' },
  },
  schemaRegistry: { url: 'http://127.0.0.1:8081/apis/ccompat/v7' },
  ...minimalConfig,
}

async function configError(raw: unknown, env: NodeJS.ProcessEnv): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'f1b-relay-config-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'relay.yaml')
  await writeFile(path, JSON.stringify(raw))
  try {
    await loadConfig(path, { env })
  } catch (err) {
    expect(err).toBeInstanceOf(RelayError)
    return (err as Error).message.replaceAll(path, 'relay.yaml')
  }
  throw new Error('the config loaded')
}

describe('a bad value from an environment variable', () => {
  it('KAFKA_BROKERS is named, and the file is not blamed', async () => {
    const message = await configError(file, { KAFKA_BROKERS: 'foo' })
    expect(message).toMatch(
      /^invalid configuration in the environment:\n {2}- KAFKA_BROKERS \(kafka\.brokers\[0\]\): a broker is host:port/,
    )
    expect(message).not.toContain('relay.yaml')
  })

  // (SCHEMA_REGISTRY_URL, MOCA_RELAY_OPS_PORT, LOG_LEVEL are checked by readEnv, which names them;
  // the secrets and MOCA_PARTNER_ID only need to be non-empty, as in the file)
  it('MOCA_BASE_URL is named with the field it set', async () => {
    const message = await configError(file, { MOCA_BASE_URL: 'not a url' })
    expect(message).toMatch(
      /^invalid configuration in the environment:\n {2}- MOCA_BASE_URL \(moca\.baseUrl\): /,
    )
  })

  it('an error in the file and one from the environment are each told where they are', async () => {
    const message = await configError(
      { ...file, issue: { maxInFlight: -1 } },
      { KAFKA_BROKERS: 'foo' },
    )
    expect(message).toContain('invalid configuration in relay.yaml and the environment:')
    expect(message).toMatch(/- KAFKA_BROKERS \(kafka\.brokers\[0\]\): /)
    expect(message).toMatch(/- issue\.maxInFlight: /)
  })

  it("a bad value in the file is still the file's", async () => {
    const message = await configError({ ...file, kafka: { ...file.kafka, brokers: ['foo'] } }, {})
    expect(message).toMatch(/^invalid configuration in relay\.yaml:\n {2}- kafka\.brokers\[0\]: /)
  })
})
