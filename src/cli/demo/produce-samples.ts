import { createKafka, PLAIN_PRODUCER_CONFIG } from '../../kafka/create-kafka.js'
import { waitForTopicLeaders } from '../../kafka/topic-admin.js'
import { createSilentLogger } from '../../ops/logger.js'
import type { SampleStream, SampleTopics } from './sample-events.js'

/** Creates the sample input topics that do not exist yet (an upstream team's job, in real life). */
export async function createInputTopics(
  brokers: readonly string[],
  topics: SampleTopics,
  partitions = 6,
): Promise<void> {
  const kafka = createKafka(
    { brokers, clientId: 'moca-relay-samples', ssl: false },
    createSilentLogger(),
  )
  const admin = kafka.admin()
  await admin.connect()
  try {
    const existing = new Set(await admin.listTopics())
    const missing = [topics.kyc, topics.membership].filter((t) => !existing.has(t))
    if (missing.length > 0) {
      await admin.createTopics({
        topics: missing.map((topic) => ({
          topic,
          numPartitions: partitions,
          replicationFactor: 1,
        })),
        // kafkajs's own wait throws at the UNKNOWN_TOPIC_OR_PARTITION a fresh broker may answer
        waitForLeaders: false,
      })
      await waitForTopicLeaders(admin, missing)
    }
  } finally {
    await admin.disconnect()
  }
}

/** Produces the stream in a few bursts, as upstream services would, so progress is visible. */
export async function produceSamples(
  brokers: readonly string[],
  stream: SampleStream,
  pacing: { bursts: number; pauseMs: number },
): Promise<void> {
  const kafka = createKafka(
    { brokers, clientId: 'moca-relay-samples', ssl: false },
    createSilentLogger(),
  )
  const producer = kafka.producer(PLAIN_PRODUCER_CONFIG)
  await producer.connect()
  try {
    const size = Math.ceil(stream.records.length / pacing.bursts)
    for (let i = 0; i < stream.records.length; i += size) {
      const burst = stream.records.slice(i, i + size)
      const byTopic = new Map<string, typeof burst>()
      for (const record of burst)
        byTopic.set(record.topic, [...(byTopic.get(record.topic) ?? []), record])
      await producer.sendBatch({
        topicMessages: [...byTopic].map(([topic, records]) => ({
          topic,
          messages: records.map((r) => ({
            key: r.key,
            value: r.value,
            ...(r.headers ? { headers: r.headers } : {}),
          })),
        })),
      })
      if (i + size < stream.records.length) await new Promise((r) => setTimeout(r, pacing.pauseMs))
    }
  } finally {
    await producer.disconnect()
  }
}
