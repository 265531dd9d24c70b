import type { Admin } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { readFailedEvents } from '../../src/cli/read-failed-events.js'
import { captureLogs } from '../support/capture-logs.js'
import { createKafkaTestEnv } from '../support/kafka-test-env.js'

const HOUR = 3_600_000

/** An output event as the relay writes it on the failed topic, told apart by `id`. */
function outputEvent(id: string, type: string, offset: number) {
  return JSON.stringify({
    id,
    type,
    time: new Date().toISOString(),
    idempotencyKey: `key-${id}`,
    generation: 0,
    route: 'kyc',
    credentialId: 'c1',
    issuerDid: 'did:air:x',
    source: { topic: 'kyc.completed', partition: 0, offset: String(offset) },
    stage: 'issue',
    coreClaimHash: null,
    userUuid: null,
    failure: { code: 'MOCA_CONSENT_REJECTED', httpStatus: 409, message: 'rejected', attempts: 1 },
  })
}

describe('readFailedEvents (what `moca-relay redrive` selects from)', () => {
  it('keeps credential.failed events written at or after --since, and skips older ones and other records', async () => {
    const env = createKafkaTestEnv()
    const topic = await env.createTopic('failed')
    // Record times set by the producer: three failures an hour apart, and between them records
    // that are not credential.failed events (another output event, a value that is not JSON).
    const now = Date.now()
    const since = now - 2 * HOUR
    await (
      await env.producer()
    ).send({
      topic,
      messages: [
        {
          value: outputEvent('3h-ago', 'credential.failed', 10),
          timestamp: String(now - 3 * HOUR),
        },
        { value: outputEvent('at-since', 'credential.failed', 11), timestamp: String(since) },
        {
          value: outputEvent('issued', 'credential.issued', 12),
          timestamp: String(now - HOUR),
        },
        { value: 'not json', timestamp: String(now - HOUR) },
        { value: outputEvent('1h-ago', 'credential.failed', 13), timestamp: String(now - HOUR) },
      ],
    })

    const { logger, lines } = captureLogs('warn')
    const failures = await readFailedEvents({
      kafka: env.kafka,
      admin: await env.admin(),
      topic,
      groupId: 'read-failed-test',
      sinceMs: since,
      registry: null,
      logger,
    })

    expect(failures.map((f) => f.id)).toEqual(['at-since', '1h-ago'])
    expect(lines.map((l) => [l.offset, l.msg])).toEqual([
      ['2', `a record on ${topic} is not a credential.failed event; skipped`],
      ['3', `a record on ${topic} is not a credential.failed event; skipped`],
    ])
  })

  it('reads a snapshot: failures written after it started reading are left for the next redrive', async () => {
    const env = createKafkaTestEnv()
    const topic = await env.createTopic('failed')
    const producer = await env.producer()
    await producer.send({
      topic,
      messages: [0, 1].map((i) => ({ value: outputEvent(`before-${i}`, 'credential.failed', i) })),
    })
    const admin = await env.admin()
    // The relay keeps writing failures while a redrive runs: one lands right after the snapshot.
    const writesMeanwhile: Admin = Object.create(admin) as Admin
    writesMeanwhile.fetchTopicOffsets = async (t: string) => {
      const offsets = await admin.fetchTopicOffsets(t)
      await producer.send({
        topic,
        messages: [{ value: outputEvent('after', 'credential.failed', 2) }],
      })
      return offsets
    }

    const failures = await readFailedEvents({
      kafka: env.kafka,
      admin: writesMeanwhile,
      topic,
      groupId: 'read-failed-test',
      sinceMs: null,
      registry: null,
      logger: captureLogs('warn').logger,
    })

    expect(failures.map((f) => f.id)).toEqual(['before-0', 'before-1'])
  })
})
