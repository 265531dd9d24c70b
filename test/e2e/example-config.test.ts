import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { parse, stringify } from 'yaml'
import { buildSampleStream } from '../../src/cli/demo/sample-events.js'
import { findFreePort } from '../support/free-port.js'
import { useFileBroker } from '../support/file-broker.js'
import { createKafkaTestEnv } from '../support/kafka-test-env.js'
import { spawnCli } from '../support/relay-process.js'
import { runBuiltCli } from '../support/run-built-cli.js'
import { sumMetric } from '../../bench/support/prometheus-text.js'

/** The output topics examples/relay.yaml names. */
const EXAMPLE_OUTPUTS = ['credential.issued', 'credential.onchain', 'credential.failed']
const EVENTS = 60

/**
 * The README's "Running it" with the example files, as a newcomer follows it: keys generate, a
 * copy of examples/relay.yaml, the sandbox of examples/sandbox.yaml, events on the example's
 * input topics, `run`. Before `samples --no-prefix`, nothing created kyc.completed and
 * member.joined, and `run` stopped at once with KAFKA_TOPIC_MISSING. The example's topic and group
 * names are fixed, so it runs on a broker of its own, where nothing else has them.
 */
describe('examples/relay.yaml against examples/sandbox.yaml', () => {
  const broker = useFileBroker()

  it('regression: samples --no-prefix gives it its input topics, and it accounts for every event', async () => {
    const env = createKafkaTestEnv({ brokers: [broker().address] })
    const admin = await env.admin()

    const dir = await mkdtemp(join(tmpdir(), 'moca-relay-example-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const brokers = env.brokers.join(',')
    const keys = await runBuiltCli(
      ['keys', 'generate', '--out', 'keys', '--kid', 'partner-demo'],
      {},
      { cwd: dir },
    )
    expect(keys.code).toBe(0)
    await copyFile(resolve('examples/relay.yaml'), join(dir, 'relay.yaml'))

    // The example's fixed ports (9464, 8080) may be taken by another test: the sandbox gets a
    // free one, and fetches the JWKS from the relay's.
    const opsPort = await findFreePort()
    const sandboxPort = await findFreePort()
    const sandboxConfig = parse(await readFile(resolve('examples/sandbox.yaml'), 'utf8')) as {
      partners: { jwksUrl: string }[]
    }
    sandboxConfig.partners[0]!.jwksUrl = `http://127.0.0.1:${opsPort}/.well-known/jwks.json`
    await writeFile(join(dir, 'sandbox.yaml'), stringify(sandboxConfig))
    spawnCli(
      ['sandbox', '--config', join(dir, 'sandbox.yaml'), '--port', String(sandboxPort)],
      {},
      'example-sandbox',
    )

    const samples = await runBuiltCli(
      ['samples', '--no-prefix', '--events', String(EVENTS)],
      { KAFKA_BROKERS: brokers },
      { timeoutMs: 60_000 },
    )
    expect(samples.stderr).toBe('')
    expect(samples.stdout).toMatch(/to kyc\.completed and member\.joined\n$/)
    expect(samples.code).toBe(0)

    const relay = spawnCli(
      ['run', '--config', join(dir, 'relay.yaml')],
      {
        KAFKA_BROKERS: brokers,
        MOCA_BASE_URL: `http://127.0.0.1:${sandboxPort}/v1`,
        MOCA_RELAY_OPS_PORT: String(opsPort),
      },
      'example-relay',
    )
    // Every input record accounted for by the issue stage: issued, failed, skipped by a filter,
    // or a duplicate (the example keys kyc-verified by content, so a user's repeated KYC result
    // issues once).
    const stream = buildSampleStream({ kyc: 'kyc.completed', membership: 'member.joined' }, EVENTS)
    const issueOutcomes = async (): Promise<{
      issued: number
      failed: number
      skipped: number
      duplicate: number
    }> => {
      const response = await fetch(`http://127.0.0.1:${opsPort}/metrics`).catch(() => null)
      const text = response ? await response.text() : ''
      const count = (outcome: string): number =>
        sumMetric(text, 'moca_relay_outcomes_total', { stage: 'issue', outcome })
      return {
        issued: count('issued'),
        failed: count('failed'),
        skipped: count('skipped'),
        duplicate: count('duplicate'),
      }
    }
    await expect
      .poll(async () => Object.values(await issueOutcomes()).reduce((a, b) => a + b, 0), {
        timeout: 60_000,
      })
      .toBe(stream.records.length)
    const outcomes = await issueOutcomes()
    expect(outcomes).toMatchObject({ failed: stream.expected.failed, skipped: 1 })
    expect(outcomes.issued).toBeGreaterThan(EVENTS / 2)

    // The relay creates its output topics as it starts.
    const outputsExist = async (): Promise<boolean> => {
      const topics = new Set(await admin.listTopics())
      return EXAMPLE_OUTPUTS.every((t) => topics.has(t))
    }
    await expect.poll(outputsExist, { timeout: 60_000 }).toBe(true)
    const onchain = await env.consume({
      topic: 'credential.onchain',
      until: (records) => records.length >= outcomes.issued,
    })
    const failed = await env.consume({
      topic: 'credential.failed',
      until: (records) => records.length >= stream.expected.failed,
    })
    expect(onchain).toHaveLength(outcomes.issued)
    expect(failed).toHaveLength(stream.expected.failed)
    relay.kill('SIGTERM')
    expect(await relay.exited).toBe(0)
  }, 120_000)
})
