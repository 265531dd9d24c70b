import type { Admin, Consumer, Kafka } from 'kafkajs'
import type { OutputEvent } from '../../src/domain/output-events.js'
import { GiveUpWaiting, waitUntil } from '../support/wait-until.js'
import type { ChaosInput, OutputRecord } from './judge.js'

/**
 * A downstream consumer of the relay's three output topics: read_committed, from the beginning,
 * keeping every record with its place. The judge needs all of them, read to the end of every
 * partition, so that a duplicate written after the expected events is seen too.
 */
export interface OutputReader {
  readonly records: readonly OutputRecord[]
  /** Resolves once every input has a terminal outcome (onchain or failed), or throws at timeout. */
  waitForTerminal(inputs: readonly ChaosInput[], timeoutMs: number): Promise<void>
  /** Inputs with a terminal outcome so far. */
  terminalCount(inputs: readonly ChaosInput[]): number
  /** Reads on to each partition's end offset as of now (the relays are stopped by then). */
  readToEnd(timeoutMs: number): Promise<void>
  stop(): Promise<void>
}

export interface OutputReaderDeps {
  readonly kafka: Kafka
  readonly admin: Admin
  readonly groupId: string
  readonly topics: readonly string[]
}

export async function startOutputReader(deps: OutputReaderDeps): Promise<OutputReader> {
  const records: OutputRecord[] = []
  const terminal = new Set<string>()
  /** Next offset per topic-partition, control records included. */
  const positions = new Map<string, bigint>()
  const consumer: Consumer = deps.kafka.consumer({
    groupId: deps.groupId,
    readUncommitted: false,
    maxWaitTimeInMs: 100,
  })
  await consumer.connect()
  /** Set when kafkajs gave up on the reader: waiting on it would time out for the wrong reason. */
  let crashed: string | null = null
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) crashed = payload.error.message
  })
  const alive = (): void => {
    if (crashed !== null) throw new GiveUpWaiting(`the output reader crashed: ${crashed}`)
  }
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    positions.set(`${payload.topic}/${payload.partition}`, BigInt(payload.lastOffset) + 1n)
  })
  await consumer.subscribe({ topics: [...deps.topics], fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const event = JSON.parse(message.value?.toString('utf8') ?? 'null') as OutputEvent
      records.push({ topic, partition, offset: message.offset, event })
      if (event.type !== 'credential.issued') {
        const { source } = event
        terminal.add(`${source.topic}/${source.partition}@${source.offset}`)
      }
    },
  })
  const terminalCount = (inputs: readonly ChaosInput[]): number =>
    inputs.filter((i) => terminal.has(`${i.topic}/${i.partition}@${i.offset}`)).length

  return {
    records,
    terminalCount,
    async waitForTerminal(inputs, timeoutMs) {
      await waitUntil(
        () => {
          alive()
          return terminalCount(inputs) >= inputs.length ? true : undefined
        },
        {
          what: `a terminal outcome for all ${inputs.length} inputs`,
          timeoutMs,
          intervalMs: 100,
        },
      )
    },
    async readToEnd(timeoutMs) {
      const ends = new Map<string, bigint>()
      for (const topic of deps.topics) {
        for (const p of await deps.admin.fetchTopicOffsets(topic)) {
          ends.set(`${topic}/${p.partition}`, BigInt(p.high))
        }
      }
      await waitUntil(
        () => {
          alive()
          const done = [...ends].every(
            ([tp, end]) => end === 0n || (positions.get(tp) ?? 0n) >= end,
          )
          return done ? true : undefined
        },
        { what: 'the end of every output partition', timeoutMs, intervalMs: 100 },
      )
    },
    async stop() {
      await consumer.disconnect()
    },
  }
}
