import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join, relative, resolve } from 'node:path'
import { stringify } from 'yaml'
import { generatePartnerKey } from '../../auth/generate-partner-key.js'
import type { RelayEnv } from '../../config/env.js'
import { parseConfig, readEnvOrFail } from '../../config/load-config.js'
import { createSilentLogger } from '../../ops/logger.js'
import { combineMetrics, createOutcomeTally } from '../../pipeline/outcome-tally.js'
import { startSandbox } from '../../sandbox/start-sandbox.js'
import { createLocalStack } from '../../stack/local-stack.js'
import { resolveStackSettings } from '../../stack/stack-settings.js'
import type { Command } from '../command.js'
import { composeRelay, type RelayProcess } from '../compose-relay.js'
import { parseCommandLine } from '../usage-error.js'
import {
  DEMO_KEY_FILE,
  DEMO_KEY_ID,
  demoNames,
  demoRelayConfig,
  demoSandboxConfig,
} from './demo-configs.js'
import { formatDemoSummary, type DemoResult } from './demo-summary.js'
import { createInputTopics, produceSamples } from './produce-samples.js'
import { buildSampleStream, type SampleStream } from './sample-events.js'

const USAGE = `Usage:
  moca-relay demo [--events 600] [--follow] [--dir .demo]
      The whole mission on this machine in a minute: starts a local Kafka broker (unless
      KAFKA_BROKERS is set), the MocaChain sandbox and the relay with a generated development key,
      produces a realistic stream of domain events (two routes, returning users, poison records,
      a user who refused consent, an event delivered twice), shows progress live and ends with a
      summary. --follow keeps the relay and the sandbox running (Ctrl-C stops them).
      Writes the relay and sandbox configs and the key into --dir, for \`run\`, \`replay\`, \`redrive\`.`

/** Preferred ports, the documented ones; any free port is used when they are taken. */
const PREFERRED_SANDBOX_PORT = 8080
const PREFERRED_OPS_PORT = 9464
/** Every sample event must be accounted for by then, or the demo says what is missing. */
const COMPLETION_TIMEOUT_MS = 120_000
const PROGRESS_INTERVAL_MS = 250

export function createDemoCommand(): Command {
  return {
    name: 'demo',
    summary:
      'See the whole mission run locally: Kafka, the MocaChain sandbox, the relay, a sample stream.',
    usage: USAGE,
    async run(args) {
      const parsed = parseCommandLine('demo', USAGE, {
        args: [...args],
        options: {
          events: { type: 'string', default: '600' },
          follow: { type: 'boolean', default: false },
          dir: { type: 'string', default: '.demo' },
        },
      })
      if (parsed === null) return 2
      const { values } = parsed
      const events = Number(values.events)
      if (!Number.isInteger(events) || events < 10 || events > 1_000_000) {
        process.stderr.write(
          'moca-relay demo: --events must be a whole number from 10 to 1000000.\n',
        )
        return 2
      }
      return runDemo({ events, follow: values.follow, dir: resolve(values.dir) })
    },
  }
}

/** Variables that configure `run` and that the demo leaves alone (it says so). */
const DEMO_IGNORES = [
  'MOCA_BASE_URL',
  'MOCA_PARTNER_ID',
  'MOCA_PARTNER_PRIVATE_KEY',
  'MOCA_RELAY_OPS_PORT',
  'SCHEMA_REGISTRY_URL',
  'SCHEMA_REGISTRY_PASSWORD',
] as const

async function runDemo(options: { events: number; follow: boolean; dir: string }): Promise<number> {
  const out = process.stdout
  const say = (line = ''): void => void out.write(`${line}\n`)
  const started = Date.now()
  say('moca-relay demo: domain events on Kafka → MocaChain credentials → status events on Kafka\n')

  const env = readEnvOrFail()
  const ignored = DEMO_IGNORES.filter((name) => env[name] !== undefined)
  if (ignored.length > 0) {
    say(
      `  (ignoring ${ignored.join(', ')}: the demo runs against its own sandbox with a development key)`,
    )
  }
  const brokers = await ensureKafka(env, say)
  const names = demoNames(
    `demo-${new Date()
      .toISOString()
      .replace(/[-:.TZ]/g, '')
      .slice(2, 14)}`,
  )
  const keyPath = await ensureDevelopmentKey(options.dir, say)
  const opsPort = await pickPort(PREFERRED_OPS_PORT)
  const sandboxPort = await pickPort(PREFERRED_SANDBOX_PORT)
  const jwksUrl = `http://127.0.0.1:${opsPort}/.well-known/jwks.json`

  const sandboxConfig = demoSandboxConfig({ jwksUrl })
  const sandbox = await startSandbox({
    config: sandboxConfig,
    logger: createSilentLogger(),
    port: sandboxPort,
    host: '127.0.0.1',
  })
  let relay: RelayProcess | null = null
  try {
    const rawConfig = demoRelayConfig({ names, brokers, sandboxUrl: sandbox.url, opsPort })
    const configPath = join(options.dir, 'relay.yaml')
    await writeFile(
      configPath,
      `# Written by \`moca-relay demo\`: the relay config of the last demo run.\n${stringify(rawConfig)}`,
    )
    await writeFile(
      join(options.dir, 'sandbox.yaml'),
      `# moca-relay sandbox --config ${relative(process.cwd(), join(options.dir, 'sandbox.yaml'))} --port ${sandboxPort}\n${stringify(sandboxConfig)}`,
    )
    say(`  sandbox   ${sandbox.url} (MocaChain simulator; fetches the partner JWKS from the relay)`)

    const stream = buildSampleStream(names, options.events)
    await createInputTopics(brokers, names)
    const tally = createOutcomeTally('issue')
    const onchainTally = createOutcomeTally('confirm')
    // Nothing from the shell but what the demo wrote: a shell set up for `run` (MOCA_BASE_URL, the
    // partner key) must not send the sample credentials to a real MocaChain.
    const loaded = parseConfig(rawConfig, { env: readEnvOrFail({}), configPath })
    relay = await composeRelay(loaded, {
      logger: createSilentLogger(),
      observe: combineMetrics(tally, onchainTally),
      onCrash: (err) => {
        process.stderr.write(
          `moca-relay demo: the relay's consumer crashed: ${(err as Error).message}\n`,
        )
      },
    })
    say(
      `  relay     ops ${relay.ops?.url ?? ''} (/readyz, /metrics, partner JWKS at /.well-known/jwks.json)`,
    )
    say(`  key       ${relative(process.cwd(), keyPath)} (ES256, development only)`)
    say(
      `  topics    ${names.kyc} (JSON), ${names.membership} (CloudEvents) → ${names.prefix}.credential.*\n`,
    )
    await relay.start()

    say(`Producing ${stream.records.length} sample events…`)
    const producing = produceSamples(brokers, stream, { bursts: 5, pauseMs: 400 })
    const result = await watch({ stream, tally, onchainTally, relay, started, out })
    await producing
    result.sandboxCalls = sandbox.stats().issue.received
    say(
      formatDemoSummary({
        result,
        names,
        configPath: relative(process.cwd(), configPath),
        opsUrl: relay.ops?.url ?? '',
        sandboxUrl: sandbox.url,
        kafkaFromStack: !env.KAFKA_BROKERS,
      }),
    )

    if (options.follow) {
      say(
        '\n--follow: the relay and the sandbox keep running. Produce more events to the topics above; Ctrl-C stops.',
      )
      await new Promise<void>((resolveStop) => {
        process.once('SIGINT', () => resolveStop())
        process.once('SIGTERM', () => resolveStop())
      })
    }
    return result.complete ? 0 : 1
  } finally {
    await relay?.stop()
    await sandbox.close()
  }
}

/** KAFKA_BROKERS when set; the local stack's broker otherwise (started, or reused if running). */
async function ensureKafka(
  env: Readonly<RelayEnv>,
  say: (line: string) => void,
): Promise<string[]> {
  if (env.KAFKA_BROKERS) {
    say(`  kafka     ${env.KAFKA_BROKERS} (KAFKA_BROKERS)`)
    return env.KAFKA_BROKERS.split(',').map((b) => b.trim())
  }
  const stack = createLocalStack({
    settings: resolveStackSettings(env, {}),
    report: (line) => say(`  stack     ${line}`),
    detached: true,
    services: ['kafka'],
  })
  const [kafka] = await stack.up()
  const address = kafka?.status.address ?? '127.0.0.1:9092'
  say(
    `  kafka     ${address} (${kafka?.action === 'reused' ? 'reused' : 'local stack'}; \`npm run stack:down\` stops it)`,
  )
  return [address]
}

async function ensureDevelopmentKey(dir: string, say: (line: string) => void): Promise<string> {
  const path = join(dir, DEMO_KEY_FILE)
  try {
    await readFile(path)
    return path
  } catch {
    await mkdir(join(dir, 'keys'), { recursive: true })
    const key = await generatePartnerKey({ kid: DEMO_KEY_ID })
    await writeFile(path, key.privateKeyPem, { mode: 0o600 })
    say(`  key       generated a development key pair (${DEMO_KEY_ID})`)
    return path
  }
}

async function pickPort(preferred: number): Promise<number> {
  const tryListen = (port: number): Promise<number | null> =>
    new Promise((resolvePort) => {
      const server = createServer()
      server.once('error', () => resolvePort(null))
      server.listen(port, '127.0.0.1', () => {
        const address = server.address()
        const chosen = typeof address === 'object' && address ? address.port : null
        server.close(() => resolvePort(chosen))
      })
    })
  return (await tryListen(preferred)) ?? (await tryListen(0)) ?? preferred
}

/** Live progress until every sample event is accounted for, or the timeout. */
async function watch(input: {
  stream: SampleStream
  tally: ReturnType<typeof createOutcomeTally>
  onchainTally: ReturnType<typeof createOutcomeTally>
  relay: RelayProcess
  started: number
  out: NodeJS.WriteStream
}): Promise<DemoResult> {
  const { stream, tally, onchainTally, relay, out } = input
  const expectedOnchain = stream.expected.issued
  const total = stream.records.length
  const deadline = Date.now() + COMPLETION_TIMEOUT_MS
  const line = (): string => {
    const inFlight = [...relay.relay.partitions.issue, ...relay.relay.partitions.confirm].reduce(
      (sum, p) => sum + p.inFlight,
      0,
    )
    return `  consumed ${String(tally.done).padStart(6)}/${total}  issued ${String(tally.count('issued')).padStart(6)}  onchain ${String(onchainTally.count('onchain')).padStart(6)}  failed ${String(tally.count('failed') + onchainTally.count('failed')).padStart(4)}  in flight ${String(inFlight).padStart(5)}`
  }
  for (;;) {
    const done =
      tally.done >= total &&
      onchainTally.count('onchain') + onchainTally.count('failed') >= tally.count('issued')
    if (out.isTTY) out.write(`\r\x1b[2K${line()}`)
    if (done || Date.now() > deadline) break
    await new Promise((r) => setTimeout(r, PROGRESS_INTERVAL_MS))
  }
  out.write(out.isTTY ? '\n' : `${line()}\n`)
  const seconds = (Date.now() - input.started) / 1000
  const failedByCode = new Map<string, number>()
  for (const t of [tally, onchainTally])
    for (const [code, n] of t.byCode('failed'))
      failedByCode.set(code, (failedByCode.get(code) ?? 0) + n)
  const accounted =
    tally.count('issued') +
    tally.count('failed') +
    tally.count('duplicate') +
    tally.count('skipped')
  return {
    produced: total,
    issued: tally.count('issued'),
    onchain: onchainTally.count('onchain'),
    failedByCode,
    duplicates: tally.count('duplicate'),
    skipped: tally.count('skipped'),
    seconds,
    sandboxCalls: 0,
    complete: accounted === total && onchainTally.count('onchain') === expectedOnchain,
    expected: stream.expected,
  }
}
