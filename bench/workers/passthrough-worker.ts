/**
 * Scenario B0, the worker side: kafkajs's ceiling on this box. Consumes the input topic from the
 * beginning and produces each fetched batch to an output topic in one send (acks=-1): no
 * decoding, signing or HTTP. Reports how long the records took and the CPU it used meanwhile.
 */
import { Kafka, logLevel, Partitioners } from 'kafkajs'
import { serveWorker } from '../support/bench-worker.js'

export interface PassthroughSettings {
  readonly brokers: readonly string[]
  readonly groupId: string
  readonly inputTopic: string
  readonly outputTopic: string
  readonly events: number
  readonly partitionsConsumedConcurrently: number
}

export interface PassthroughReport {
  readonly events: number
  /** From the first fetched batch to the last acknowledged send. */
  readonly elapsedMs: number
  readonly cpuMs: number
  readonly maxRssBytes: number
}

serveWorker<PassthroughSettings, PassthroughReport>(async (settings) => {
  const kafka = new Kafka({
    clientId: settings.groupId,
    brokers: [...settings.brokers],
    logLevel: logLevel.NOTHING,
  })
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  const consumer = kafka.consumer({ groupId: settings.groupId, maxWaitTimeInMs: 100 })
  await Promise.all([producer.connect(), consumer.connect()])
  await consumer.subscribe({ topic: settings.inputTopic, fromBeginning: true })
  let count = 0
  let startedAt = 0
  let cpuBefore: NodeJS.CpuUsage | null = null
  let finish: (report: PassthroughReport) => void = () => undefined
  const done = new Promise<PassthroughReport>((resolve) => (finish = resolve))
  await consumer.run({
    partitionsConsumedConcurrently: settings.partitionsConsumedConcurrently,
    eachBatch: async ({ batch }) => {
      if (cpuBefore === null) {
        startedAt = performance.now()
        cpuBefore = process.cpuUsage()
      }
      await producer.send({
        topic: settings.outputTopic,
        messages: batch.messages.map((m) => ({ key: m.key, value: m.value })),
        acks: -1,
      })
      count += batch.messages.length
      if (count >= settings.events && cpuBefore !== null) {
        const cpu = process.cpuUsage(cpuBefore)
        finish({
          events: count,
          elapsedMs: performance.now() - startedAt,
          cpuMs: (cpu.user + cpu.system) / 1000,
          maxRssBytes: process.resourceUsage().maxRSS * 1024,
        })
      }
    },
  })
  const report = await done
  await consumer.disconnect()
  await producer.disconnect()
  return report
})
