import type { IHeaders } from 'kafkajs'
import { describe, expect, inject, it, onTestFinished } from 'vitest'
import type { ErrorCode } from '../../src/errors/error-codes.js'
import {
  badInputCorpus,
  corpusMessage,
  CORPUS_MAX_RECORD_BYTES,
  relayFailureCode,
} from '../fixtures/bad-input-corpus.js'
import { reasonMatcher } from '../kafka/corpus-expectations.js'
import { registerCorpusSchemas } from '../support/corpus-schemas.js'
import { deleteSubjects } from '../support/registry-subjects.js'
import { KYC_PROGRAM, startRelayFixture } from '../support/relay-fixture.js'

const PARTITIONS = 3
/** One valid event after every this many corpus records, on the same topic and partitions. */
const BAD_PER_VALID = 3
/** The corpus's 1 MB value needs more than the broker's default 1 MiB record batch limit. */
const TOPIC_MAX_MESSAGE_BYTES = 2 * 1024 * 1024

interface Sent {
  readonly partition: number
  readonly offset: string
  /** The reason the relay must give; null for a valid event. */
  readonly expected: ErrorCode | null
  /** What the failed event's message must say: the decoder's reason; null where the route fails it. */
  readonly reason: string | RegExp | null
  readonly label: string
}

describe('the malformed-input corpus through a running relay', () => {
  it('fails each bad record once with its precise reason, issues the valid events between them, and moves every offset past', async () => {
    const registryUrl = inject('schemaRegistryUrl')
    const fixture = await startRelayFixture({
      partitions: PARTITIONS,
      config: { schemaRegistry: { url: registryUrl } },
    })
    const topic = await fixture.env.createTopic('bad-input', {
      numPartitions: PARTITIONS,
      configEntries: [{ name: 'max.message.bytes', value: String(TOPIC_MAX_MESSAGE_BYTES) }],
    })

    const registered = await registerCorpusSchemas(registryUrl)
    onTestFinished(() => deleteSubjects(registryUrl, registered.subjects))
    const corpus = badInputCorpus(registered.ids)
    // Every failing entry goes through Kafka as it is: repeated headers (kafkajs sends an array as
    // one header per value), binary and 100 KB headers, the tombstone, and the 1 MB value on a
    // topic whose max.message.bytes is above it. Entries the relay accepts are left out.
    const bad = corpus.filter((entry) => relayFailureCode(entry) !== null)
    expect(bad.length).toBeGreaterThanOrEqual(50)

    await fixture.startRelay({
      config: {
        input: { maxRecordBytes: CORPUS_MAX_RECORD_BYTES },
        routes: [
          {
            name: 'corpus',
            topics: [topic],
            program: KYC_PROGRAM,
            email: 'email',
            credentialSubject: { kycVerified: true, level: 'level' },
          },
        ],
      },
    })

    // One record per send, so that each one's offset is known; the relay is already consuming.
    const producer = await fixture.env.producer()
    const sent: Sent[] = []
    const send = async (
      item: Omit<Sent, 'offset' | 'partition'>,
      message: { key: string; value: Buffer | null; headers?: IHeaders },
    ) => {
      const partition = sent.length % PARTITIONS
      const [meta] = await producer.send({ topic, acks: -1, messages: [{ ...message, partition }] })
      sent.push({ ...item, partition, offset: meta!.baseOffset! })
    }
    let valid = 0
    for (const [index, entry] of bad.entries()) {
      await send(
        {
          expected: relayFailureCode(entry),
          reason: 'code' in entry.expect ? entry.expect.reason : null,
          label: entry.label,
        },
        corpusMessage(entry, `user-${index % 5}`),
      )
      if (index % BAD_PER_VALID === BAD_PER_VALID - 1) {
        await send(
          { expected: null, reason: null, label: `valid ${valid}` },
          {
            key: `user-${valid % 5}`,
            value: Buffer.from(
              JSON.stringify({ email: `user${valid % 5}@example.com`, level: valid }),
            ),
          },
        )
        valid += 1
      }
    }

    const outputs = await fixture.readOutputs(
      (e) => e.failed.length >= bad.length && e.onchain.length >= valid,
      120_000,
    )

    const at = (source: { partition: number; offset: string }) =>
      `${source.partition}@${source.offset}`
    const failedAt = new Map(outputs.failed.map((event) => [at(event.source), event]))
    expect(failedAt.size).toBe(outputs.failed.length)
    // The decoder's reason reaches the published event (after email masking), not just its code.
    const reasons = sent
      .filter((s) => s.expected !== null)
      .map((s) => ({
        label: s.label,
        code: failedAt.get(at(s))?.failure.code ?? 'no failed event',
        message: failedAt.get(at(s))?.failure.message ?? '',
      }))
    expect(reasons).toEqual(
      sent
        .filter((s) => s.expected !== null)
        .map((s) => ({
          label: s.label,
          code: s.expected,
          message: s.reason === null ? expect.any(String) : reasonMatcher(s.reason),
        })),
    )
    for (const event of outputs.failed) {
      expect(event.source.topic).toBe(topic)
      expect(event.failure.message.length).toBeGreaterThan(20)
    }

    const validAt = new Set(sent.filter((s) => s.expected === null).map(at))
    expect(new Set(outputs.issued.map((event) => at(event.source)))).toEqual(validAt)
    expect(new Set(outputs.onchain.map((event) => at(event.source)))).toEqual(validAt)
    // Nothing else: no duplicates, no failure for a valid event, no output for other records.
    expect(outputs.failed).toHaveLength(bad.length)
    expect(outputs.issued).toHaveLength(valid)
    expect(outputs.onchain).toHaveLength(valid)
    expect(outputs.records).toHaveLength(bad.length + 2 * valid)

    // No partition is stuck behind a record it could not handle: the group's committed offsets
    // reach the end of every partition.
    const admin = await fixture.env.admin()
    const ends = (await admin.fetchTopicOffsets(topic)).map((p) => ({
      partition: p.partition,
      offset: p.high,
    }))
    await expect
      .poll(
        async () => {
          const [committed] = await admin.fetchOffsets({
            groupId: fixture.groupId,
            topics: [topic],
          })
          return committed!.partitions
            .map((p) => ({ partition: p.partition, offset: p.offset }))
            .sort((a, b) => a.partition - b.partition)
        },
        { timeout: 20_000 },
      )
      .toEqual(ends.sort((a, b) => a.partition - b.partition))
  }, 180_000)
})
