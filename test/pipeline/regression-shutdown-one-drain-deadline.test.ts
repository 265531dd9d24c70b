import type { Admin, Kafka } from 'kafkajs'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { parseConfig } from '../../src/config/load-config.js'
import { compileRoutes } from '../../src/domain/compile-routes.js'
import {
  confirmLedgerTopic,
  confirmQueueTopic,
  issueLedgerTopic,
} from '../../src/ledger/ledger-topics.js'
import type { MocaClient } from '../../src/moca/moca-client.js'
import { encodeConfirmRequest } from '../../src/pipeline/confirm-request.js'
import { noopMetrics } from '../../src/pipeline/relay-metrics.js'
import { createRelay } from '../../src/pipeline/relay.js'
import { captureLogs } from '../support/capture-logs.js'
import { confirmRequest } from '../support/confirm-harness.js'
import { jsonDecoder, jsonEncoder } from '../support/json-codec.js'

/**
 * Was: Relay.stop() drained the issue stage for up to shutdown.drainTimeout, and only then the
 * confirm stage for up to drainTimeout again, while `run` exits 1 ("shutdown did not finish in
 * time") after drainTimeout + 15 s: with calls hanging in both stages a SIGTERM took about twice
 * the drain timeout, and with a drain timeout over 15 s ended in that error. And "drain timed out"
 * did not say how many records it abandoned.
 */
const DRAIN_MS = 10_000
const PREFIX = 'moca-relay'
const INPUT = 'kyc.completed'
const QUEUE = confirmQueueTopic(PREFIX)
const TOPICS = [INPUT, issueLedgerTopic(PREFIX, INPUT), QUEUE, confirmLedgerTopic(PREFIX)]

type Handler = (event: { payload: unknown }) => void
type EachBatch = (payload: unknown) => Promise<void>

/** kafkajs as the stage runners use it: one fake consumer per group, producers that commit. */
function fakeKafka() {
  const groups = new Map<string, { handlers: Map<string, Handler>; eachBatch?: EachBatch }>()
  const kafka = {
    consumer: ({ groupId }: { groupId: string }) => {
      const group = { handlers: new Map<string, Handler>() } as {
        handlers: Map<string, Handler>
        eachBatch?: EachBatch
      }
      groups.set(groupId, group)
      return {
        events: { GROUP_JOIN: 'join', END_BATCH_PROCESS: 'endBatch', CRASH: 'crash' },
        on: (event: string, handler: Handler) => group.handlers.set(event, handler),
        connect: async () => undefined,
        subscribe: async () => undefined,
        run: async (config: { eachBatch: EachBatch }) => {
          group.eachBatch = config.eachBatch
        },
        pause: () => undefined,
        resume: () => undefined,
        seek: () => undefined,
        disconnect: async () => undefined,
      }
    },
    producer: () => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      transaction: async () => ({
        sendBatch: async () => undefined,
        sendOffsets: async () => undefined,
        commit: async () => undefined,
        abort: async () => undefined,
      }),
    }),
  } as unknown as Kafka
  const admin = {
    listTopics: async () => TOPICS,
    fetchTopicMetadata: async ({ topics }: { topics: string[] }) => ({
      topics: topics.map((name) => ({
        name,
        partitions: [{ partitionId: 0, leader: 0, replicas: [0], isr: [0] }],
      })),
    }),
    fetchTopicOffsets: async () => [{ partition: 0, low: '0', high: '0', offset: '0' }],
    fetchOffsets: async ({ topics }: { topics: string[] }) =>
      topics.map((topic) => ({ topic, partitions: [{ partition: 0, offset: '-1' }] })),
  } as unknown as Admin
  /** The group joins with partition 0 of its input topic and its ledger, and reads one record. */
  const deliver = async (groupId: string, topic: string, ledger: string, value: Buffer) => {
    const group = groups.get(groupId)!
    group.handlers.get('join')!({ payload: { memberAssignment: { [topic]: [0], [ledger]: [0] } } })
    await vi.advanceTimersByTimeAsync(10)
    await group.eachBatch!({
      batch: {
        topic,
        partition: 0,
        messages: [{ offset: '0', key: Buffer.from('k'), value, headers: {}, timestamp: '0' }],
        lastOffset: () => '0',
        highWatermark: '1',
      },
      resolveOffset: () => undefined,
      isRunning: () => true,
      isStale: () => false,
    })
  }
  return { kafka, admin, deliver }
}

/** MocaChain takes every call and never answers: each call ends only when it is cancelled. */
const hanging = <T>(options?: { signal?: AbortSignal }) =>
  new Promise<T>((_, reject) =>
    options?.signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true }),
  )

describe('stopping a relay whose two stages both have calls under way', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('drains both stages within one shutdown.drainTimeout, and says what it abandoned', async () => {
    vi.useFakeTimers({ now: Date.UTC(2025, 0, 1) })
    const { config } = parseConfig(
      {
        kafka: { brokers: ['127.0.0.1:9092'], groupId: 'f1b-relay' },
        topics: { create: false, internalPrefix: PREFIX },
        moca: {
          baseUrl: 'http://127.0.0.1:1/v1',
          partnerId: 'p',
          key: { kid: 'k', file: 'key.pem' },
        },
        routes: [
          {
            name: 'kyc',
            topics: [INPUT],
            program: { issuerDid: 'did:air:id:test:issuer', credentialId: 'c-kyc' },
            email: 'email',
            credentialSubject: { level: 'level' },
          },
        ],
        shutdown: { drainTimeout: DRAIN_MS },
      },
      { env: {}, configPath: '/test/relay.yaml' },
    )
    const logs = captureLogs('warn')
    const calls: string[] = []
    const moca: MocaClient = {
      issue: (_, options) => (calls.push('issue'), hanging(options)),
      status: (_, options) => (calls.push('status'), hanging(options)),
      close: async () => undefined,
    }
    const cluster = fakeKafka()
    const relay = createRelay({
      config,
      kafka: cluster.kafka,
      admin: cluster.admin,
      routes: compileRoutes(config.routes),
      decoder: jsonDecoder,
      encoder: jsonEncoder,
      moca,
      logger: logs.logger,
      metrics: noopMetrics,
      onCrash: (err) => {
        throw err
      },
    })
    await relay.start()
    await cluster.deliver(
      'f1b-relay',
      INPUT,
      issueLedgerTopic(PREFIX, INPUT),
      Buffer.from(JSON.stringify({ email: 'ada@example.com', level: 1 })),
    )
    await cluster.deliver(
      'f1b-relay.confirm',
      QUEUE,
      confirmLedgerTopic(PREFIX),
      encodeConfirmRequest(confirmRequest({ route: 'kyc', issuedAt: Date.now() })),
    )
    await vi.advanceTimersByTimeAsync(2_000)
    expect(calls.sort()).toEqual(['issue', 'status'])

    let stopped = false
    void relay.stop().then(() => (stopped = true))
    await vi.advanceTimersByTimeAsync(DRAIN_MS + 1_000)

    expect(stopped).toBe(true)
    const drains = logs.lines.filter((l) => String(l.msg).startsWith('drain timed out'))
    expect(drains).toEqual([
      expect.objectContaining({ stage: 'issue', topic: INPUT, abandoned: 1, uncommitted: 1 }),
      expect.objectContaining({ stage: 'confirm', topic: QUEUE, abandoned: 1, uncommitted: 1 }),
    ])
  })
})
