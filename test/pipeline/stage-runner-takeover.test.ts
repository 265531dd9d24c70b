import type { Admin, Kafka } from 'kafkajs'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { RelayError } from '../../src/errors/relay-error.js'
import { createSilentLogger } from '../../src/ops/logger.js'
import { noopMetrics } from '../../src/pipeline/relay-metrics.js'
import { createStageRunner, type StageRunnerDeps } from '../../src/pipeline/stage-runner.js'

/** A fake kafkajs consumer, producer and admin around the real stage runner: its takeovers. */

const IN = 'orders'
const LEDGER = 'relay.issue-ledger.orders'

interface Deferred {
  promise: Promise<void>
  resolve: () => void
  reject: (err: unknown) => void
}
const deferred = (): Deferred => {
  let resolve!: () => void
  let reject!: (err: unknown) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

function harness(options: {
  ledgerBounds?: { partition: number; low: number; high: number }[]
  deps?: Partial<StageRunnerDeps>
  admin?: Partial<Admin>
}) {
  const handlers = new Map<string, (e: { payload: unknown }) => void>()
  const paused = new Set<string>()
  const seeks: { topic: string; partition: number; offset: string }[] = []
  let disconnected = false
  let eachBatch: ((payload: unknown) => Promise<void>) | undefined
  const notInitialized = (): Error =>
    Object.assign(
      new Error('Consumer group was not initialized, consumer#run must be called first'),
      {
        name: 'KafkaJSNonRetriableError',
      },
    )
  const consumer = {
    events: { GROUP_JOIN: 'join', END_BATCH_PROCESS: 'endBatch', CRASH: 'crash' },
    on: (event: string, handler: (e: { payload: unknown }) => void) => handlers.set(event, handler),
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (config: { eachBatch: (payload: unknown) => Promise<void> }) => {
      eachBatch = config.eachBatch
    },
    pause: (tps: { topic: string; partitions: number[] }[]) => {
      if (disconnected) throw notInitialized()
      for (const { topic, partitions } of tps)
        for (const p of partitions) paused.add(`${topic}/${p}`)
    },
    resume: (tps: { topic: string; partitions: number[] }[]) => {
      if (disconnected) throw notInitialized()
      for (const { topic, partitions } of tps)
        for (const p of partitions) paused.delete(`${topic}/${p}`)
    },
    seek: (s: { topic: string; partition: number; offset: string }) => {
      if (disconnected) throw notInitialized()
      seeks.push(s)
    },
    disconnect: async () => {
      disconnected = true
    },
  }
  /** Each producer.connect() (the fence) waits on the next gate pushed here, if any. */
  const fenceGates: Deferred[] = []
  const producers: { connected: boolean; disconnected: boolean }[] = []
  const kafka = {
    consumer: () => consumer,
    producer: () => {
      const state = { connected: false, disconnected: false }
      producers.push(state)
      return {
        connect: async () => {
          const gate = fenceGates.shift()
          if (gate) await gate.promise
          state.connected = true
        },
        disconnect: async () => {
          state.disconnected = true
        },
        transaction: async () => ({
          sendBatch: async () => undefined,
          sendOffsets: async () => undefined,
          commit: async () => undefined,
          abort: async () => undefined,
        }),
      }
    },
  } as unknown as Kafka
  const bounds = options.ledgerBounds ?? [{ partition: 0, low: 0, high: 5 }]
  const admin = {
    fetchTopicOffsets: async () =>
      bounds.map((b) => ({
        partition: b.partition,
        low: String(b.low),
        high: String(b.high),
        offset: String(b.high),
      })),
    fetchOffsets: async () => [
      { topic: IN, partitions: [{ partition: 0, offset: '-1', metadata: null }] },
    ],
    ...options.admin,
  } as unknown as Admin
  const runner = createStageRunner({
    stage: 'issue',
    kafka,
    admin,
    groupId: 'g',
    inputTopics: [IN],
    ledgerTopicOf: () => LEDGER,
    transactionalIdOf: (topic, partition) => `g.${topic}.${partition}`,
    transactionTimeoutMs: 10_000,
    sessionTimeoutMs: 6_000,
    fetchMaxWaitMs: 20,
    createProcessor: () => ({ process: () => undefined, whenIdle: async () => undefined }),
    maxInFlight: 10,
    lingerMs: 5,
    ledgerRetentionMs: 86_400_000,
    drainMs: 0,
    logger: createSilentLogger(),
    metrics: noopMetrics,
    onCrash: () => undefined,
    ...options.deps,
  })
  const join = (assignment: Record<string, number[]>): void =>
    handlers.get('join')?.({ payload: { memberAssignment: assignment } })
  /** Delivers a ledger batch of `count` records ending at `last`. */
  const ledgerBatch = async (partition: number, last: number): Promise<void> =>
    eachBatch!({
      batch: {
        topic: LEDGER,
        partition,
        messages: [{ offset: String(last), key: Buffer.from('k'), value: null }],
        lastOffset: () => String(last),
        highWatermark: String(last + 1),
      },
      resolveOffset: () => undefined,
      isRunning: () => true,
      isStale: () => false,
    })
  /** Delivers one input record at `offset`. */
  const inputBatch = async (partition: number, offset: number): Promise<void> =>
    eachBatch!({
      batch: {
        topic: IN,
        partition,
        messages: [{ offset: String(offset), key: Buffer.from('k'), value: Buffer.from('{}') }],
        lastOffset: () => String(offset),
        highWatermark: String(offset + 1),
      },
      resolveOffset: () => undefined,
      isRunning: () => true,
      isStale: () => false,
    })
  const flush = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
  }
  return { runner, join, paused, seeks, producers, fenceGates, ledgerBatch, inputBatch, flush }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('the stage runner taking a partition over', () => {
  it('closes the producer of a takeover that finishes after stop(), and starts no worker', async () => {
    const h = harness({})
    await h.runner.start()
    const gate = deferred()
    h.fenceGates.push(gate)
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.flush()
    expect(h.runner.partitions[0]?.state).toBe('starting')
    await h.runner.stop()
    // the fence (InitProducerId) completes after stop() returned
    gate.resolve()
    await h.flush()
    expect(h.producers).toHaveLength(1)
    expect(h.producers[0]?.disconnected).toBe(true)
    expect(
      h.runner.partitions.filter((p) => p.state === 'restoring' || p.state === 'ready'),
    ).toEqual([])
  })

  it('takes a replayed partition over on the retry when its start-offset lookup failed once', async () => {
    vi.useFakeTimers()
    let failures = 0
    const h = harness({
      deps: { startAt: new Map([[`${IN}/0`, 3]]) },
      admin: {
        fetchOffsets: (async () => {
          if (failures++ === 0) throw new Error('The coordinator is not aware of this member')
          return [{ topic: IN, partitions: [{ partition: 0, offset: '-1', metadata: null }] }]
        }) as Admin['fetchOffsets'],
      },
    })
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await vi.advanceTimersByTimeAsync(60_000)
    expect(failures).toBe(2)
    expect(h.seeks).toEqual([
      { topic: IN, partition: 0, offset: '3' },
      { topic: LEDGER, partition: 0, offset: '0' },
    ])
    expect(h.runner.partitions[0]?.state).toBe('restoring')
    expect(h.paused.has(`${LEDGER}/0`)).toBe(false)
    // the first attempt's producer was closed
    expect(h.producers.map((p) => p.disconnected)).toEqual([true, false])
  })

  it('unblocking a topic while its partition is starting or restoring keeps it paused', async () => {
    const h = harness({})
    await h.runner.start()
    const gate = deferred()
    h.fenceGates.push(gate)
    h.runner.setTopicBlocked(IN, true, 'circuit open')
    h.join({ [IN]: [0], [LEDGER]: [0] })
    h.runner.setTopicBlocked(IN, false, '')
    expect(h.paused.has(`${IN}/0`)).toBe(true)
    gate.resolve()
    await h.flush()
    expect(h.runner.partitions[0]?.state).toBe('restoring')
    expect(h.paused.has(`${LEDGER}/0`)).toBe(false)
    h.runner.setTopicBlocked(IN, true, 'circuit open')
    h.runner.setTopicBlocked(IN, false, '')
    expect(h.paused.has(`${IN}/0`)).toBe(true)
    expect(h.runner.ready).toBe(false)
    await h.ledgerBatch(0, 4)
    expect(h.runner.ready).toBe(true)
    expect(h.paused.has(`${IN}/0`)).toBe(false)
    expect(h.paused.has(`${LEDGER}/0`)).toBe(true)
  })

  it('a failing takeover stops retrying once the partition is revoked', async () => {
    vi.useFakeTimers()
    let calls = 0
    const h = harness({
      admin: {
        fetchTopicOffsets: (async () => {
          calls++
          throw new Error('not the leader')
        }) as Admin['fetchTopicOffsets'],
      },
    })
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await vi.advanceTimersByTimeAsync(3_000)
    expect(calls).toBeGreaterThan(1)
    h.join({})
    const before = calls
    await vi.advanceTimersByTimeAsync(60_000)
    expect(calls).toBeLessThanOrEqual(before + 1)
  })

  it('closes the producer of every takeover attempt that failed after the fence', async () => {
    vi.useFakeTimers()
    const h = harness({
      admin: {
        fetchTopicOffsets: (async () => {
          throw new Error('This server is not the leader for that topic-partition')
        }) as Admin['fetchTopicOffsets'],
      },
    })
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await vi.advanceTimersByTimeAsync(60_000)
    h.join({})
    await vi.advanceTimersByTimeAsync(1_000)
    expect(h.producers.length).toBeGreaterThan(5)
    expect(h.producers.filter((p) => !p.disconnected)).toEqual([])
  })

  it('a log that starts at its end is restored as empty; the ledger is never resumed', async () => {
    const h = harness({ ledgerBounds: [{ partition: 0, low: 7, high: 7 }] })
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.flush()
    expect(h.runner.ready).toBe(true)
    expect(h.paused.has(`${LEDGER}/0`)).toBe(true)
    expect(h.paused.has(`${IN}/0`)).toBe(false)
  })

  it('rebuilds a partition that keeps failing before it commits after a growing delay, not in a loop', async () => {
    vi.useFakeTimers()
    const h = harness({
      ledgerBounds: [{ partition: 0, low: 0, high: 0 }],
      deps: {
        // every record fails its partition, as an output event the registry's schema refuses does
        createProcessor: (ctx) => ({
          process: () =>
            ctx.fail(
              new RelayError('OUTPUT_ENCODING_FAILED', 'does not fit schema 7', {
                classification: 'systemic',
              }),
            ),
          whenIdle: async () => undefined,
        }),
      },
    })
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await vi.advanceTimersByTimeAsync(10)
    expect(h.producers).toHaveLength(1)
    const failOnce = async (): Promise<void> => {
      await h.inputBatch(0, 0)
      await vi.advanceTimersByTimeAsync(10)
    }
    // the first failure is rebuilt at once (one transaction that failed is no pattern)
    await failOnce()
    expect(h.producers).toHaveLength(2)
    // the second waits 1 s, the third 2 s
    await failOnce()
    expect(h.producers).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(h.producers).toHaveLength(3)
    await failOnce()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(h.producers).toHaveLength(3)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(h.producers).toHaveLength(4)
  })
})
