import type { Message, Producer } from 'kafkajs'

/**
 * The domain events the bench feeds the relay: plain JSON `kyc.completed` events, one user per
 * record key (so a user's events share a partition, as a real producer keys them). Every event
 * has its own `age`, so every event is a different credential content and issues once.
 */
export interface BenchEvent {
  readonly id: string
  readonly type: 'kyc.completed'
  readonly email: string
  readonly age: number
  readonly location: string
  readonly isMember: boolean
  /** Epoch ms when the bench produced it. */
  readonly producedAt: number
}

/** The Issuance Program every bench event targets; its schema is BENCH_SUBJECT_SCHEMA. */
export const BENCH_PROGRAM = {
  issuerDid: 'did:air:id:test:5P44fsVUhPctDTWH2Nz26pZJFsg6CqyiAELTGeVQDB',
  credentialId: 'c21s70g0i54sn0023172Cv',
} as const

export const BENCH_SUBJECT_SCHEMA = {
  type: 'object',
  properties: {
    age: { type: 'integer' },
    location: { type: 'string' },
    isMember: { type: 'boolean' },
  },
  required: ['age', 'location', 'isMember'],
  additionalProperties: false,
} as const

export const BENCH_PARTNER_ID = 'bench-partner'

/** Records per `send`: large enough to amortise a round trip, well under the 1 MiB request cap. */
const PRODUCE_BATCH = 1_000

export interface ProduceEventsOptions {
  readonly producer: Producer
  readonly topic: string
  /** Event numbers [from, to). */
  readonly from: number
  readonly to: number
  /** Users: event i belongs to user `${userPrefix}-${i % users}`. */
  readonly users: number
  readonly userPrefix: string
  /** Pin event i to partition i % partitions instead of hashing the key (even spread). */
  readonly roundRobinPartitions?: number
  /** A record to send right after event i (e.g. a poison record), or null. */
  readonly after?: (i: number) => Message | null
}

export function benchEvent(i: number, email: string, producedAt: number): BenchEvent {
  return {
    id: `ev-${i}`,
    type: 'kyc.completed',
    email,
    age: i,
    location: 'United States',
    isMember: true,
    producedAt,
  }
}

/** Produces events [from, to) in batches, acks=-1; resolves once all are written. */
export async function produceEvents(options: ProduceEventsOptions): Promise<void> {
  for (let start = options.from; start < options.to; start += PRODUCE_BATCH) {
    const end = Math.min(options.to, start + PRODUCE_BATCH)
    const now = Date.now()
    const messages: Message[] = []
    for (let i = start; i < end; i++) {
      const email = `${options.userPrefix}-${i % options.users}@bench.example`
      const message: Message = { key: email, value: JSON.stringify(benchEvent(i, email, now)) }
      if (options.roundRobinPartitions !== undefined) {
        message.partition = i % options.roundRobinPartitions
      }
      messages.push(message)
      const extra = options.after?.(i)
      if (extra) messages.push(extra)
    }
    await options.producer.send({ topic: options.topic, messages, acks: -1 })
  }
}
