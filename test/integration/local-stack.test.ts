import { access, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SchemaType } from '@kafkajs/confluent-schema-registry'
import { describe, expect, inject, it, onTestFinished } from 'vitest'
import { readEnv } from '../../src/config/env.js'
import { probeKafka } from '../../src/stack/kafka-metadata-probe.js'
import { createLocalStack } from '../../src/stack/local-stack.js'
import { isRunning } from '../../src/stack/owned-process.js'
import { silentReporter } from '../../src/stack/stack-reporter.js'
import { resolveStackSettings } from '../../src/stack/stack-settings.js'
import { findFreePorts } from '../support/free-port.js'
import { plainRegistryClient } from '../support/plain-registry-client.js'

/**
 * `stack up / status / down` for real, on spare ports so that it never touches the stack the
 * other tests use. Downloads are shared with that stack (same .stack/downloads).
 */

const env = readEnv()
/** Why the stack cannot run here (the stack's own Java checks), or undefined when it can. */
const missingJava = await Promise.all(
  createLocalStack({
    settings: resolveStackSettings(env),
    report: silentReporter,
    detached: false,
  }).services.map((service) => service.checkRequirements()),
).then(
  () => undefined,
  (err: unknown) => (err instanceof Error ? err.message : String(err)),
)

async function spareStack(options: { stackDir?: string; kafkaPort?: number } = {}) {
  const [kafkaPort, controllerPort, registryPort] = await findFreePorts(3)
  const settings = resolveStackSettings(env, {
    kafkaPort: options.kafkaPort ?? kafkaPort,
    controllerPort,
    registryPort,
    ...(options.stackDir === undefined ? {} : { stackDir: options.stackDir }),
  })
  // spare ports are random: drop this test's pid/log folders so .stack/run does not fill up
  onTestFinished(async () => {
    for (const dir of [`kafka-${settings.kafkaPort}`, `apicurio-${settings.registryPort}`]) {
      await rm(join(settings.stackDir, 'run', dir), { recursive: true, force: true })
    }
  })
  return {
    settings,
    stack: createLocalStack({ settings, report: silentReporter, detached: false }),
  }
}

/**
 * When the run reuses someone else's broker, this test is the first to need the downloads:
 * on a cold machine that is ~200 MB from Maven Central before anything starts. The stack's own
 * download and start deadlines still bound it.
 */
const FIRST_START_TIMEOUT_MS = 10 * 60_000

describe('the local stack', () => {
  it(
    'starts once, reuses itself on a second up, reports status, and stops without leftovers',
    { timeout: FIRST_START_TIMEOUT_MS },
    async (ctx) => {
      if (missingJava !== undefined) ctx.skip(`no Java for the local stack: ${missingJava}`)
      const { settings, stack } = await spareStack()
      onTestFinished(async () => {
        await stack.down()
      })

      const first = await stack.up()
      expect(first.map((r) => [r.status.service, r.action, r.status.state])).toEqual([
        ['kafka', 'started', 'running'],
        ['registry', 'started', 'running'],
      ])
      const pids = first.map((r) => r.status.pid)
      for (const pid of pids) expect(await isRunning(pid ?? 0)).toBe(true)

      const second = await stack.up()
      expect(second.map((r) => [r.action, r.status.pid])).toEqual([
        ['already-running', pids[0]],
        ['already-running', pids[1]],
      ])

      const status = await stack.status()
      expect(status.map((s) => [s.state, s.pid, s.address])).toEqual([
        ['running', pids[0], `127.0.0.1:${settings.kafkaPort}`],
        ['running', pids[1], `http://127.0.0.1:${settings.registryPort}/apis/ccompat/v7`],
      ])
      expect(await probeKafka({ host: '127.0.0.1', port: settings.kafkaPort }, 1000)).toEqual({
        kind: 'kafka',
        brokers: [{ nodeId: 1, host: '127.0.0.1', port: settings.kafkaPort }],
      })

      // Our registry's settings (infra/apicurio/registry.properties): a BACKWARD global rule, so
      // register() also works for a subject created through Apicurio's own API, which has no
      // subject rule (infra-notes §3 caveat). Checked here, not against the shared registry, which
      // may be someone else's with other settings.
      const origin = `http://127.0.0.1:${settings.registryPort}`
      const schema = JSON.stringify({
        type: 'record',
        name: 'Note',
        fields: [{ name: 'text', type: 'string' }],
      })
      const global = await fetch(`${origin}/apis/ccompat/v7/config`)
      expect(await global.json()).toEqual({ compatibilityLevel: 'BACKWARD' })
      const created = await fetch(`${origin}/apis/registry/v3/groups/default/artifacts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          artifactId: 'made-elsewhere',
          artifactType: 'AVRO',
          firstVersion: { content: { content: schema, contentType: 'application/json' } },
        }),
      })
      expect(created.status).toBe(200)
      const registry = plainRegistryClient(`${origin}/apis/ccompat/v7`)
      const { id } = await registry.register(
        { type: SchemaType.AVRO, schema },
        { subject: 'made-elsewhere' },
      )
      expect(await registry.decode(await registry.encode(id, { text: 'hello' }))).toEqual({
        text: 'hello',
      })

      const down = await stack.down()
      expect(down.map((d) => d.outcome)).toEqual(['stopped', 'stopped'])
      for (const pid of pids) expect(await isRunning(pid ?? 0)).toBe(false)
      expect((await stack.status()).map((s) => s.state)).toEqual(['stopped', 'stopped'])
      const dataDir = join(settings.stackDir, 'run', `kafka-${settings.kafkaPort}`, 'data')
      await expect(access(dataDir)).rejects.toThrow()
    },
  )

  it('reuses a broker it did not start, and leaves it running on down', async (ctx) => {
    // the integration broker from globalSetup; a fresh stack folder makes it "not ours"
    const [broker] = inject('kafkaBrokers')
    const [host, port] = (broker ?? '').split(':')
    if (host !== '127.0.0.1' || port === undefined) {
      ctx.skip(`the test broker ${String(broker)} is not on 127.0.0.1: nothing local to reuse`)
      return
    }
    const stackDir = await mkdtemp(join(tmpdir(), 'stack-reuse-'))
    onTestFinished(() => rm(stackDir, { recursive: true, force: true }))
    const { settings } = await spareStack({ stackDir, kafkaPort: Number(port) })
    const stack = createLocalStack({
      settings,
      report: silentReporter,
      detached: false,
      services: ['kafka'],
    })

    const [up] = await stack.up()
    expect([up?.action, up?.status.state, up?.status.pid]).toEqual(['reused', 'reused', undefined])
    const [down] = await stack.down()
    expect(down?.outcome).toBe('not-ours')
    expect(await probeKafka({ host, port: Number(port) }, 1000)).toMatchObject({ kind: 'kafka' })
  })

  it('refuses a port held by another program, naming the port and the fix, and starts nothing', async () => {
    const squatter = createServer((_req, res) => res.writeHead(404).end())
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => new Promise<void>((resolve) => squatter.close(() => resolve())))
    const squatted = (squatter.address() as AddressInfo).port
    const { stack } = await spareStack({ kafkaPort: squatted })

    const error = await stack.up().catch((err: unknown) => err)
    expect(error).toMatchObject({ code: 'STACK_PORT_BUSY' })
    expect((error as Error).message).toContain(`127.0.0.1:${squatted}`)
    expect((error as Error).message).toContain('STACK_KAFKA_PORT')
    expect((await stack.status()).map((s) => s.state)).toEqual(['busy', 'stopped'])
  })
})
