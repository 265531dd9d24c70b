import { onTestFinished } from 'vitest'
import type { IHeaders } from 'kafkajs'
import { parseConfig } from '../../src/config/load-config.js'
import type { OutputEvent } from '../../src/domain/output-events.js'
import { composeRelay, type RelayProcess } from '../../src/cli/compose-relay.js'
import { issueLedgerTopic } from '../../src/ledger/ledger-topics.js'
import { createSilentLogger, type Logger } from '../../src/ops/logger.js'
import type { IssueCallRecord } from '../../src/sandbox/call-log.js'
import { createKafkaTestEnv, uniqueName, type KafkaTestEnv } from './kafka-test-env.js'
import {
  PARTNER_ID,
  startSandboxFixture,
  type FixtureOptions,
  type SandboxFixture,
} from './sandbox-fixture.js'

/** Two programs with strict schemas, as MocaChain checks credentialSubject. */
/**
 * Relay config for tests that end confirm requests with hashes MocaChain never issued: the first
 * "No credential found" is final (notFoundGrace 0), not polled again for a minute.
 */
export const UNKNOWN_HASH_FAILS_AT_ONCE = { confirm: { notFoundGrace: 0 } }

export const KYC_PROGRAM = {
  issuerDid: 'did:air:id:test:kycIssuer',
  credentialId: 'c-kyc-program-000000001',
}
export const MEMBER_PROGRAM = {
  issuerDid: 'did:air:id:test:memberIssuer',
  credentialId: 'c-member-program-00001',
}

/** `count` kyc events of distinct users u0…, keyed by user: every one a call of its own. */
export function distinctUserEvents(count: number): { key: string; value: string }[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `u${i}`,
    value: JSON.stringify({ user: { email: `u${i}@example.com` }, level: i }),
  }))
}

const PROGRAMS = [
  {
    ...KYC_PROGRAM,
    partnerId: PARTNER_ID,
    credentialSubjectSchema: {
      type: 'object',
      properties: { kycVerified: { type: 'boolean' }, level: { type: 'integer' } },
      required: ['kycVerified', 'level'],
      additionalProperties: false,
    },
  },
  {
    ...MEMBER_PROGRAM,
    partnerId: PARTNER_ID,
    credentialSubjectSchema: {
      type: 'object',
      properties: { tier: { type: 'string' }, since: { type: 'string' } },
      required: ['tier'],
      additionalProperties: false,
    },
  },
]

export interface RelayFixtureOptions {
  readonly partitions?: number
  /** The fixture's own clients use these brokers instead of the suite's. */
  readonly brokers?: readonly string[]
  readonly sandbox?: FixtureOptions
  /** Raw config sections merged over the test defaults (issue, confirm, moca…). */
  readonly config?: Record<string, unknown>
}

export interface OutputEvents {
  readonly issued: (OutputEvent & { type: 'credential.issued' })[]
  readonly onchain: (OutputEvent & { type: 'credential.onchain' })[]
  readonly failed: (OutputEvent & { type: 'credential.failed' })[]
  /** Every record as read, in topic order, with headers and keys. */
  readonly records: { topic: string; key: string | null; headers: IHeaders; value: string }[]
}

export interface RelayFixture {
  readonly env: KafkaTestEnv
  readonly sandbox: SandboxFixture
  readonly topics: {
    readonly kyc: string
    readonly membership: string
    readonly issued: string
    readonly onchain: string
    readonly failed: string
  }
  readonly groupId: string
  /** The raw config the relays of this fixture start from. */
  readonly rawConfig: Record<string, unknown>
  /** Composes and starts a relay in this process, stopped when the test ends. */
  startRelay(options?: { config?: Record<string, unknown>; logger?: Logger }): Promise<RelayProcess>
  produce(
    topic: string,
    records: readonly { key: string | null; value: string | Buffer | null; headers?: IHeaders }[],
  ): Promise<void>
  /** Reads the three output topics (read_committed) until `until` holds. */
  readOutputs(until: (events: OutputEvents) => boolean, timeoutMs?: number): Promise<OutputEvents>
  /** Issue calls the sandbox received, oldest first. */
  issueCalls(): readonly IssueCallRecord[]
  /**
   * What retention does to the issue ledger partition of a quiet kyc partition 0: every record
   * deleted. Returns where its log now starts.
   */
  emptyIssueLedger(): Promise<string>
}

/** Timings for tests: same mechanisms, shorter waits. */
const TEST_CONFIG = {
  issue: {
    commitInterval: 10,
    retry: { initialDelay: 50, maxDelay: 500, deadline: 30_000 },
    circuit: { probeInitialDelay: 200, probeMaxDelay: 1_000 },
  },
  confirm: { initialDelay: 100, maxDelay: 500, deadline: 30_000 },
  // A recovery waits out the uncertainty window: short here, so crash tests stay quick.
  moca: { requestTimeout: 1_500, connectTimeout: 1_000, uncertaintyWindow: 3_000 },
  ops: { port: 0 },
  kafka: { sessionTimeout: 6_000 },
  shutdown: { drainTimeout: 5_000 },
}

export async function startRelayFixture(options: RelayFixtureOptions = {}): Promise<RelayFixture> {
  const env = createKafkaTestEnv(options.brokers ? { brokers: options.brokers } : {})
  const sandbox = await startSandboxFixture({
    ...options.sandbox,
    settings: { onchainDelayMs: 200, ...options.sandbox?.settings },
    config: {
      programs: PROGRAMS,
      jwks: { cacheMaxAgeMs: 300, cooldownMs: 100, timeoutMs: 1_000 },
      ...options.sandbox?.config,
    },
  })
  const partitions = options.partitions ?? 3
  const [kyc, membership] = await Promise.all([
    env.createTopic('kyc.completed', { numPartitions: partitions }),
    env.createTopic('member.joined', { numPartitions: partitions }),
  ])
  const prefix = uniqueName('relay')
  const topics = {
    kyc: kyc!,
    membership: membership!,
    issued: `${prefix}.issued`,
    onchain: `${prefix}.onchain`,
    failed: `${prefix}.failed`,
  }
  const groupId = prefix
  const rawConfig: Record<string, unknown> = deepMerge(
    {
      kafka: { brokers: env.brokers, groupId, clientId: prefix },
      topics: {
        issued: topics.issued,
        onchain: topics.onchain,
        failed: topics.failed,
        internalPrefix: prefix,
        partitions,
        replicationFactor: 1,
      },
      moca: { baseUrl: sandbox.sandbox.url, partnerId: PARTNER_ID, key: { kid: sandbox.key.kid } },
      routes: [
        {
          name: 'kyc',
          topics: [topics.kyc],
          program: KYC_PROGRAM,
          email: 'user.email',
          credentialSubject: { kycVerified: true, level: 'level' },
        },
        {
          name: 'membership',
          topics: [topics.membership],
          program: MEMBER_PROGRAM,
          email: 'email',
          credentialSubject: { tier: 'tier', since: '$event.time' },
          onDuplicate: 'revoke',
        },
      ],
      log: { level: 'silent' },
    },
    deepMerge(TEST_CONFIG, options.config ?? {}),
  )
  // The relay creates its output and internal topics; remove them with the test's own.
  onTestFinished(async () => {
    const admin = await env.admin()
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix))
    if (mine.length > 0) await admin.deleteTopics({ topics: mine }).catch(() => undefined)
  })

  return {
    env,
    sandbox,
    topics,
    groupId,
    rawConfig,
    async startRelay(relayOptions = {}) {
      const raw = deepMerge(rawConfig, relayOptions.config ?? {})
      const loaded = parseConfig(raw, {
        env: { MOCA_PARTNER_PRIVATE_KEY: sandbox.privateKeyPem },
        configPath: `${process.cwd()}/test-relay.yaml`,
      })
      const relay = await composeRelay(loaded, {
        logger: relayOptions.logger ?? createSilentLogger(),
        onCrash: (err) => {
          throw err
        },
      })
      onTestFinished(() => relay.stop())
      await relay.start()
      return relay
    },
    async produce(topic, records) {
      const producer = await env.producer()
      await producer.send({
        topic,
        messages: records.map((r) => ({
          key: r.key,
          value: r.value,
          ...(r.headers ? { headers: r.headers } : {}),
        })),
        acks: -1,
      })
    },
    async readOutputs(until, timeoutMs = 60_000) {
      const events: OutputEvents = { issued: [], onchain: [], failed: [], records: [] }
      const admin = await env.admin()
      const outputTopics = [topics.issued, topics.onchain, topics.failed]
      const consumer = await env.consumer({ groupId: uniqueName('reader'), readUncommitted: false })
      /** Next offset to read per topic-partition, control records included. */
      const positions = new Map<string, number>()
      let target: Map<string, number> | null = null
      let finish: () => void = () => undefined
      const done = new Promise<void>((resolve) => (finish = resolve))
      const check = async (): Promise<void> => {
        if (target === null) {
          if (!until(events)) return
          // The predicate holds: now read on to the end of every output partition, so that a
          // duplicate written after the expected events is seen too.
          // Built whole before it is published: a concurrent check must never see it half filled.
          const ends = new Map<string, number>()
          for (const topic of outputTopics) {
            for (const p of await admin.fetchTopicOffsets(topic))
              ends.set(`${topic}/${p.partition}`, Number(p.high))
          }
          target ??= ends
        }
        if ([...target].every(([tp, high]) => (positions.get(tp) ?? 0) >= high)) finish()
      }
      consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
        positions.set(`${e.payload.topic}/${e.payload.partition}`, Number(e.payload.lastOffset) + 1)
        void check()
      })
      await consumer.subscribe({ topics: outputTopics, fromBeginning: true })
      /**
       * Each record once: a rebalance of this reader's own group (a coordinator still loading on
       * a broker just started) delivers again what it read since its last commit. A duplicate
       * output is another record, at another offset, and is still seen.
       */
      const read = new Set<string>()
      await consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          const at = `${topic}/${partition}/${message.offset}`
          if (read.has(at)) return
          read.add(at)
          const value = message.value?.toString('utf8') ?? ''
          events.records.push({
            topic,
            key: message.key?.toString('utf8') ?? null,
            headers: message.headers ?? {},
            value,
          })
          const event = JSON.parse(value) as OutputEvent
          if (event.type === 'credential.issued') events.issued.push(event)
          else if (event.type === 'credential.onchain') events.onchain.push(event)
          else events.failed.push(event)
        },
      })
      const poll = setInterval(() => void check(), 200)
      let timer: NodeJS.Timeout | undefined
      try {
        await Promise.race([
          done,
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () =>
                reject(new Error(`outputs did not arrive in ${timeoutMs} ms: ${summary(events)}`)),
              timeoutMs,
            )
          }),
        ])
      } finally {
        clearInterval(poll)
        clearTimeout(timer)
        await consumer.stop()
      }
      return events
    },
    issueCalls() {
      return sandbox.sandbox.calls.list()
    },
    async emptyIssueLedger() {
      const admin = await env.admin()
      const ledger = issueLedgerTopic(groupId, topics.kyc)
      const [end] = await admin.fetchTopicOffsets(ledger)
      const start = end?.high ?? '0'
      await admin.deleteTopicRecords({
        topic: ledger,
        partitions: [{ partition: 0, offset: start }],
      })
      return start
    },
  }
}

/**
 * A relay over one kyc partition whose one credential timed out in the confirm stage (a 1 s
 * deadline while the chain was stuck): its CONFIRM_TIMEOUT is on credential.failed, and the
 * chain has recovered since.
 */
export async function relayWithTimedOutCredential(
  options: {
    /** The input record's key (default `u0`); null for an unkeyed record. */
    readonly key?: string | null
    /** Partitions of the relay's own topics, the confirm queue's included (default 1). */
    readonly outputPartitions?: number
  } = {},
): Promise<RelayFixture> {
  const fixture = await startRelayFixture({
    partitions: 1,
    config: {
      confirm: { deadline: 1_000 },
      ...(options.outputPartitions ? { topics: { partitions: options.outputPartitions } } : {}),
    },
  })
  fixture.sandbox.sandbox.updateSettings({ stuck: true })
  const [event] = distinctUserEvents(1)
  await fixture.produce(fixture.topics.kyc, [
    { ...event!, key: options.key === undefined ? event!.key : options.key },
  ])
  await fixture.startRelay()
  await fixture.readOutputs((e) => e.failed.length >= 1)
  fixture.sandbox.sandbox.updateSettings({ stuck: false })
  return fixture
}

function summary(events: OutputEvents): string {
  return `issued=${events.issued.length} onchain=${events.onchain.length} failed=${events.failed.length}`
}

/** Plain-object merge; arrays and scalars from `over` replace; `undefined` deletes. */
export function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(over)) {
    const current = out[key]
    if (value === undefined) delete out[key]
    else if (isPlainObject(value) && isPlainObject(current)) out[key] = deepMerge(current, value)
    else out[key] = value
  }
  return out
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * A relay over one kyc partition whose one record (key `late`) failed MOCA_CONSENT_REJECTED:
 * late@example.com refused consent. The relay still runs; the consent is not given back.
 */
export async function relayWithConsentFailure(): Promise<{
  fixture: RelayFixture
  relay: RelayProcess
}> {
  const fixture = await startRelayFixture({
    partitions: 1,
    sandbox: { config: { users: [{ email: 'late@example.com', consentRejected: true }] } },
  })
  await fixture.produce(fixture.topics.kyc, [
    { key: 'late', value: JSON.stringify({ user: { email: 'late@example.com' }, level: 1 }) },
  ])
  const relay = await fixture.startRelay()
  await fixture.readOutputs((e) => e.failed.length >= 1)
  return { fixture, relay }
}

/**
 * The same kyc content (twice@example.com, level 3) on input partitions 0 and 1, keys k0 and k1:
 * one idempotency key, two issuances (the ledger dedupes within a partition).
 */
export async function produceSameContentOnTwoPartitions(fixture: RelayFixture): Promise<void> {
  const value = JSON.stringify({ user: { email: 'twice@example.com' }, level: 3 })
  const producer = await fixture.env.producer()
  await producer.send({
    topic: fixture.topics.kyc,
    messages: [
      { partition: 0, key: 'k0', value },
      { partition: 1, key: 'k1', value },
    ],
    acks: -1,
  })
}
