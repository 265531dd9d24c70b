/**
 * The real stage runner over a fake kafkajs consumer, producers and admin: every transaction's
 * records and offsets are recorded, each producer's fence can be held (fenceGates), and batches of
 * input or ledger records are delivered as kafkajs's eachBatch would.
 */
import type { Admin, Kafka } from 'kafkajs'
import { createSilentLogger } from '../../src/ops/logger.js'
import type { CreatePartitionProcessor } from '../../src/pipeline/partition-worker.js'
import { noopMetrics } from '../../src/pipeline/relay-metrics.js'
import { createStageRunner, type StageRunnerDeps } from '../../src/pipeline/stage-runner.js'

export interface Deferred {
  readonly promise: Promise<void>
  readonly resolve: () => void
  readonly reject: (err: unknown) => void
}

export function deferred(): Deferred {
  let resolve!: () => void
  let reject!: (err: unknown) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** A stage that finishes each record at once, staging one empty record on `topic` for its commit. */
export function finishingAtOnce(topic: string): CreatePartitionProcessor {
  return (ctx) => ({
    process: (_record, slot) => {
      void ctx.batcher.stage([{ topic, key: null, value: null }], slot)
    },
    whenIdle: async () => undefined,
  })
}

export interface CommittedTxn {
  readonly producer: number
  readonly records: { topic: string; key: string | null; value: Buffer | null }[]
  readonly offset: number | null
}

export function runnerHarness(options: {
  input: string
  ledger: string
  stage?: 'issue' | 'confirm'
  ledgerBounds?: { partition: number; low: number; high: number }[]
  /** The group's committed offset per input partition, as admin.fetchOffsets answers it. */
  committed?: () => number
  deps?: Partial<StageRunnerDeps>
  admin?: Partial<Admin>
}) {
  const IN = options.input
  const LEDGER = options.ledger
  const handlers = new Map<string, (e: { payload: unknown }) => void>()
  const paused = new Set<string>()
  const seeks: { topic: string; partition: number; offset: string }[] = []
  let eachBatch: ((payload: unknown) => Promise<void>) | undefined
  let disconnected = false
  /** How many times the consumer was run: once at start, once more per join attempt after a crash. */
  let runs = 0
  /** What kafkajs throws for pause, resume and seek once the consumer disconnected. */
  const notInitialized = (): Error =>
    Object.assign(
      new Error('Consumer group was not initialized, consumer#run must be called first'),
      { name: 'KafkaJSNonRetriableError' },
    )
  const consumer = {
    events: {
      GROUP_JOIN: 'join',
      END_BATCH_PROCESS: 'endBatch',
      CRASH: 'crash',
      STOP: 'stop',
      DISCONNECT: 'disconnect',
      FETCH: 'fetch',
      HEARTBEAT: 'heartbeat',
    },
    on: (event: string, handler: (e: { payload: unknown }) => void) => handlers.set(event, handler),
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (config: { eachBatch: (payload: unknown) => Promise<void> }) => {
      runs += 1
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
      handlers.get('stop')?.({ payload: {} })
      handlers.get('disconnect')?.({ payload: {} })
    },
  }
  const committed: CommittedTxn[] = []
  /** Each producer.connect() (the fence) waits on the next gate pushed here, if any. */
  const fenceGates: Deferred[] = []
  /** Each transaction's commit throws the next error pushed here, if any. */
  const commitErrors: unknown[] = []
  const producers: { connected: boolean; disconnected: boolean }[] = []
  const kafka = {
    consumer: () => consumer,
    producer: () => {
      const id = producers.length
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
        transaction: async () => {
          let records: CommittedTxn['records'] = []
          let offset: number | null = null
          return {
            sendBatch: async (batch: {
              topicMessages: {
                topic: string
                messages: { key: Buffer | string | null; value: Buffer | null }[]
              }[]
            }) => {
              for (const tm of batch.topicMessages)
                for (const m of tm.messages)
                  records.push({
                    topic: tm.topic,
                    key: m.key === null ? null : String(m.key),
                    value: m.value,
                  })
            },
            sendOffsets: async (o: { topics: { partitions: { offset: string }[] }[] }) => {
              offset = Number(o.topics[0]?.partitions[0]?.offset)
            },
            commit: async () => {
              if (commitErrors.length > 0) throw commitErrors.shift()
              committed.push({ producer: id, records, offset })
              records = []
            },
            abort: async () => undefined,
          }
        },
      }
    },
  } as unknown as Kafka
  const bounds = options.ledgerBounds ?? [{ partition: 0, low: 0, high: 0 }]
  const admin = {
    // both topics have the partitions of ledgerBounds, so no ledger needs growing
    listTopics: async () => [IN, LEDGER],
    fetchTopicMetadata: async ({ topics = [] }: { topics?: string[] } = {}) => ({
      topics: topics.map((name) => ({
        name,
        partitions: bounds.map((b) => ({ partitionId: b.partition, leader: 0 })),
      })),
    }),
    fetchTopicOffsets: async () =>
      bounds.map((b) => ({
        partition: b.partition,
        low: String(b.low),
        high: String(b.high),
        offset: String(b.high),
      })),
    fetchOffsets: async () => [
      {
        topic: IN,
        partitions: [{ partition: 0, offset: String(options.committed?.() ?? -1), metadata: null }],
      },
    ],
    ...options.admin,
  } as unknown as Admin
  const runner = createStageRunner({
    stage: options.stage ?? 'issue',
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
  /** The consumer joins the group (again, after a crash: kafkajs ran it anew). */
  const join = (assignment: Record<string, number[]>): void => {
    disconnected = false
    handlers.get('join')?.({ payload: { memberAssignment: assignment } })
  }
  /**
   * What kafkajs emits when its consumer crashes: it stops and disconnects the consumer, then
   * reports the crash (and, with `restart`, runs it again, to join the group anew).
   */
  const crash = (error: Error, restart = true): void => {
    disconnected = true
    handlers.get('stop')?.({ payload: {} })
    handlers.get('disconnect')?.({ payload: {} })
    handlers.get('crash')?.({ payload: { error, groupId: 'g', restart } })
  }
  /** What kafkajs emits when the group coordinator answered a heartbeat. */
  const heartbeat = (): void => {
    handlers.get('heartbeat')?.({ payload: {} })
  }
  /**
   * Delivers input records (offset, key, value) in one batch; returns the offsets resolved. The
   * fetch may also have read control records after them (`controlRecordsAfter`: a transaction's
   * commit marker), and the partition may hold more (`highWatermark`, by default the batch's end).
   */
  const inputBatch = async (
    partition: number,
    messages: { offset: number; key?: string; value: Buffer | null }[],
    fetch: { controlRecordsAfter?: number; highWatermark?: number } = {},
  ): Promise<number[]> => {
    const resolved: number[] = []
    const last = (messages.at(-1)?.offset ?? 0) + (fetch.controlRecordsAfter ?? 0)
    await eachBatch!({
      batch: {
        topic: IN,
        partition,
        messages: messages.map((m) => ({
          offset: String(m.offset),
          key: Buffer.from(m.key ?? 'k'),
          value: m.value,
          headers: {},
          timestamp: String(Date.now()),
        })),
        lastOffset: () => String(last),
        highWatermark: String(fetch.highWatermark ?? last + 1),
      },
      resolveOffset: (o: string) => resolved.push(Number(o)),
      isRunning: () => true,
      isStale: () => false,
    })
    return resolved
  }
  /**
   * A fetch of input control records only (a commit marker read after its records): kafkajs does
   * not call eachBatch for it, it only reports the batch processed.
   */
  const controlBatch = (partition: number, last: number, highWatermark = last + 1): void =>
    handlers.get('endBatch')?.({
      payload: {
        topic: IN,
        partition,
        highWatermark: String(highWatermark),
        batchSize: 0,
        firstOffset: String(last),
        lastOffset: String(last),
      },
    })
  /** Delivers a ledger batch ending at `last` (one record stands for the batch). */
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
  /** Lets the runner's pending promises run (fake timers leave setImmediate alone). */
  const flush = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
  }
  const settle = async (ms = 0): Promise<void> => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
    if (ms > 0) await new Promise((r) => setTimeout(r, ms))
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
  }
  return {
    runner,
    join,
    crash,
    heartbeat,
    get runs() {
      return runs
    },
    paused,
    seeks,
    committed,
    producers,
    fenceGates,
    commitErrors,
    ledgerBatch,
    inputBatch,
    controlBatch,
    flush,
    settle,
  }
}
