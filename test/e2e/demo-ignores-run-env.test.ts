import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { describe, expect, inject, it, onTestFinished } from 'vitest'
import { BUILT_CLI } from '../support/run-built-cli.js'

/**
 * `moca-relay demo` promises "the MocaChain sandbox and the relay with a generated development
 * key", but it builds the relay's config with parseConfig(rawConfig, { env }) (demo-command.ts),
 * so MOCA_BASE_URL, MOCA_PARTNER_ID and MOCA_PARTNER_PRIVATE_KEY from the operator's shell, the
 * ones README step 5 tells them to export for `run`, replace the sandbox and the development
 * key: the demo's sample credentials go to whatever MocaChain the shell points at (production,
 * say), signed with the operator's real key. Here a stand-in "production" server records what
 * reaches it; the demo must send it nothing.
 */

describe('npm run demo in a shell set up for production', () => {
  it('keeps to its own sandbox and never calls the MocaChain named by MOCA_BASE_URL', async () => {
    const brokers = inject('kafkaBrokers').join(',')
    const received: string[] = []
    let firstCall!: () => void
    const called = new Promise<void>((resolve) => (firstCall = resolve))
    const production = createServer((req: IncomingMessage, res) => {
      received.push(`${req.method ?? ''} ${req.url ?? ''}`)
      firstCall()
      req.resume()
      res.writeHead(401, { 'content-type': 'application/json' })
      res.end('{"message":"Unauthorized"}')
    })
    await new Promise<void>((resolve) => production.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => new Promise<void>((resolve) => production.close(() => resolve())))
    const { port } = production.address() as { port: number }

    const dir = await mkdtemp(join(tmpdir(), 'review-demo-env-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const child = spawn(process.execPath, [BUILT_CLI, 'demo', '--events', '10', '--dir', dir], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dir,
        KAFKA_BROKERS: brokers,
        MOCA_BASE_URL: `http://127.0.0.1:${port}/v1`,
        MOCA_PARTNER_ID: 'my-production-partner',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    )
    onTestFinished(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL')
        await exited
      }
      await deleteDemoTopics(output, brokers)
    })

    // Whichever comes first: a call on the "production" server, or the demo's end.
    const first = await Promise.race([
      called.then(() => 'called' as const),
      exited.then(() => 'exited' as const),
    ])

    expect(received, output).toEqual([])
    expect(first).toBe('exited')
    expect(await exited).toBe(0)
  }, 150_000)
})

/** The demo makes topics named after the run (demo-<time>.*): remove them from the shared broker. */
async function deleteDemoTopics(output: string, brokers: string): Promise<void> {
  const prefix = /(demo-\d+)\.kyc\.completed/.exec(output)?.[1]
  if (prefix === undefined) return
  const admin = new Kafka({
    brokers: brokers.split(','),
    clientId: 'review-demo-cleanup',
    logLevel: logLevel.NOTHING,
  }).admin()
  await admin.connect()
  try {
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`))
    if (mine.length > 0) await admin.deleteTopics({ topics: mine }).catch(() => undefined)
    await admin.deleteGroups([prefix, `${prefix}.confirm`]).catch(() => undefined)
  } finally {
    await admin.disconnect()
  }
}
