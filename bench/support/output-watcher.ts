import type { Consumer, Kafka } from 'kafkajs'
import { waitUntil } from './wait-until.js'

/**
 * Reads the relay's output topics as a downstream consumer
 * would (read_committed, so an event counts once its transaction committed) and notes when each
 * event became visible. Backlog events and probe events (see probe-producer.ts) are told apart by
 * the input topic in the event's `source`.
 */
export interface OutputWatcher {
  /** Visible times (epoch ms) of credential.onchain events whose source is `backlogTopic`. */
  readonly backlogOnchain: readonly number[]
  /** Record timestamps (the relay's producer, before its commit) of the same events. */
  readonly backlogOnchainProduced: readonly number[]
  /** Visible times of backlog credential.issued events: the issue stage's progress. */
  readonly backlogIssued: readonly number[]
  /** Visible times of credential.failed events whose source is `backlogTopic`. */
  readonly backlogFailed: readonly number[]
  /** credential.failed events by failure code. */
  readonly failed: Readonly<Record<string, number>>
  readonly failedCount: number
  /**
   * One entry per onchain probe event: when it became visible, its end-to-end latency, and the
   * part of it until its credential.issued was visible (the issue stage; null if not seen).
   */
  readonly probes: readonly ProbeLatency[]
  /** Mean size of the relay's output records (value + headers + key), by event type. */
  readonly meanRecordBytes: Readonly<Record<string, number>>
  /** Resolves once the reader joined its group (so the relay can start: nothing is missed). */
  readonly joined: Promise<void>
  /** Resolves once `count` backlog events are onchain or failed. */
  waitForBacklog(count: number, timeoutMs: number): Promise<void>
  stop(): Promise<void>
}

export interface OutputWatcherDeps {
  readonly kafka: Kafka
  readonly groupId: string
  readonly issuedTopic: string
  readonly onchainTopic: string
  readonly failedTopic: string
  readonly backlogTopic: string
  readonly probeTopic: string | null
  /** When the probe with this event id was produced. */
  readonly probeSentAt: (eventId: string) => number | undefined
}

/** The reader's fetch wait bounds how late it sees an event; 50 ms keeps that small. */
const READER_MAX_WAIT_MS = 50

/** A fresh group joins in well under a second on a local broker (initial rebalance delay 0). */
const JOIN_TIMEOUT_MS = 30_000

export interface ProbeLatency {
  readonly at: number
  readonly latencyMs: number
  readonly issuedAfterMs: number | null
}

interface OutputFields {
  readonly type?: string
  readonly source?: { readonly topic?: string; readonly eventId?: string | null }
  readonly failure?: { readonly code?: string }
}

export async function startOutputWatcher(deps: OutputWatcherDeps): Promise<OutputWatcher> {
  const backlogOnchain: number[] = []
  const backlogOnchainProduced: number[] = []
  const backlogIssued: number[] = []
  const backlogFailed: number[] = []
  const probes: ProbeLatency[] = []
  const probeIssuedAt = new Map<string, number>()
  const bytes = new Map<string, { total: number; count: number }>()
  const failed: Record<string, number> = {}
  let failedCount = 0
  const consumer: Consumer = deps.kafka.consumer({
    groupId: deps.groupId,
    readUncommitted: false,
    maxWaitTimeInMs: READER_MAX_WAIT_MS,
  })
  const joined = new Promise<void>((resolve) =>
    consumer.on(consumer.events.GROUP_JOIN, () => resolve()),
  )
  await consumer.connect()
  await consumer.subscribe({
    topics: [deps.issuedTopic, deps.onchainTopic, deps.failedTopic],
    fromBeginning: true,
  })
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const at = Date.now()
      for (const message of batch.messages) {
        if (!message.value) continue
        const event = JSON.parse(message.value.toString('utf8')) as OutputFields
        countBytes(bytes, event.type ?? 'unknown', message)
        if (event.type === 'credential.failed') {
          failedCount++
          const code = event.failure?.code ?? 'unknown'
          failed[code] = (failed[code] ?? 0) + 1
          if (event.source?.topic === deps.backlogTopic) backlogFailed.push(at)
          continue
        }
        const source = event.source?.topic
        if (event.type === 'credential.issued') {
          if (source === deps.backlogTopic) backlogIssued.push(at)
          else if (source === deps.probeTopic && event.source?.eventId) {
            probeIssuedAt.set(event.source.eventId, at)
          }
          continue
        }
        if (event.type !== 'credential.onchain') continue
        if (source === deps.backlogTopic) {
          backlogOnchain.push(at)
          backlogOnchainProduced.push(Number(message.timestamp))
        } else if (source === deps.probeTopic && event.source?.eventId) {
          const sentAt = deps.probeSentAt(event.source.eventId)
          const issuedAt = probeIssuedAt.get(event.source.eventId)
          if (sentAt !== undefined) {
            probes.push({
              at,
              latencyMs: at - sentAt,
              issuedAfterMs: issuedAt === undefined ? null : issuedAt - sentAt,
            })
          }
        }
      }
    },
  })
  return {
    backlogOnchain,
    backlogOnchainProduced,
    backlogIssued,
    backlogFailed,
    probes,
    failed,
    get meanRecordBytes() {
      return Object.fromEntries([...bytes].map(([type, b]) => [type, b.total / b.count]))
    },
    joined: withTimeout(joined, JOIN_TIMEOUT_MS, 'the output reader to join its group'),
    get failedCount() {
      return failedCount
    },
    async waitForBacklog(count, timeoutMs) {
      await waitUntil(() => (backlogOnchain.length + failedCount >= count ? true : undefined), {
        what: `${count} credential.onchain events (have ${backlogOnchain.length} onchain, ${failedCount} failed)`,
        timeoutMs,
        intervalMs: 20,
      })
    },
    async stop() {
      await consumer.disconnect()
    },
  }
}

function withTimeout(promise: Promise<void>, ms: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)),
      ms,
    )
    promise.then(
      () => {
        clearTimeout(timer)
        resolve()
      },
      (err: unknown) => {
        clearTimeout(timer)
        reject(err)
      },
    )
  })
}

function countBytes(
  bytes: Map<string, { total: number; count: number }>,
  type: string,
  message: { key: Buffer | null; value: Buffer | null; headers?: Record<string, unknown> },
): void {
  let size = (message.key?.length ?? 0) + (message.value?.length ?? 0)
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    size += name.length + (Buffer.isBuffer(value) ? value.length : String(value).length)
  }
  const entry = bytes.get(type) ?? { total: 0, count: 0 }
  entry.total += size
  entry.count += 1
  bytes.set(type, entry)
}
