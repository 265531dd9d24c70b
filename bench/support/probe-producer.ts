import type { Producer } from 'kafkajs'
import { benchEvent } from './bench-events.js'

/**
 * Latency probes: while the relay drains the backlog, single events go to a topic of their own
 * at a fixed rate (open loop: the schedule does not wait for the relay). Their partition has no
 * backlog, so a probe's end-to-end latency is what a new event sees while the relay is under
 * full load — not the time the backlog queues (which is N / throughput by construction).
 */
export interface ProbeProducer {
  sentAt(eventId: string): number | undefined
  readonly sent: number
  stop(): Promise<void>
}

export interface ProbeProducerDeps {
  readonly producer: Producer
  readonly topic: string
  readonly perSecond: number
  /** Probe event numbers start here, so their ids and contents never meet the backlog's. */
  readonly firstEventNumber: number
  readonly userPrefix: string
}

export function startProbeProducer(deps: ProbeProducerDeps): ProbeProducer {
  const sentAt = new Map<string, number>()
  const pending = new Set<Promise<unknown>>()
  let n = 0
  const startedAt = Date.now()
  const intervalMs = 1000 / deps.perSecond
  let timer: NodeJS.Timeout | null = null

  const tick = (): void => {
    // Catch up on ticks a busy event loop delayed: the schedule is wall-clock, not per-callback.
    const due = Math.floor((Date.now() - startedAt) / intervalMs) + 1
    while (n < due) {
      const i = deps.firstEventNumber + n
      n++
      const email = `${deps.userPrefix}-${i}@bench.example`
      const now = Date.now()
      const event = benchEvent(i, email, now)
      sentAt.set(event.id, now)
      const send = deps.producer
        .send({
          topic: deps.topic,
          messages: [{ key: email, value: JSON.stringify(event) }],
          acks: -1,
        })
        .catch(() => undefined)
      pending.add(send)
      void send.finally(() => pending.delete(send))
    }
    timer = setTimeout(tick, intervalMs)
  }
  tick()

  return {
    sentAt: (eventId) => sentAt.get(eventId),
    get sent() {
      return n
    },
    async stop() {
      if (timer) clearTimeout(timer)
      timer = null
      await Promise.all(pending)
    },
  }
}
