import { describe, expect, it } from 'vitest'
import { decodeLedgerEntry, type LedgerState } from '../../src/ledger/ledger-entry.js'
import { issueLedgerTopic } from '../../src/ledger/ledger-topics.js'
import type { IssueCallRecord } from '../../src/sandbox/call-log.js'
import type { ReceivedRecord } from '../support/kafka-test-env.js'
import { startRelayFixture, type RelayFixture } from '../support/relay-fixture.js'

/** Calls "revoke" that MocaChain acted on, for one idempotency key. */
function appliedRevokes(calls: readonly IssueCallRecord[], idempotencyKey: string): number {
  return calls.filter(
    (c) => c.idempotencyKey === idempotencyKey && c.onDuplicate === 'revoke' && c.applied,
  ).length
}

/** The input offset the relay's issue group committed on `partition` of the kyc topic. */
async function committedOffset(fixture: RelayFixture, partition: number): Promise<number> {
  const admin = await fixture.env.admin()
  const [topic] = await admin.fetchOffsets({
    groupId: fixture.groupId,
    topics: [fixture.topics.kyc],
  })
  return Number(topic?.partitions.find((p) => p.partition === partition)?.offset ?? -1)
}

/** The ledger states committed for `idempotencyKey` on ledger partition `partition`. */
async function ledgerStates(
  fixture: RelayFixture,
  ledger: string,
  partition: number,
  idempotencyKey: string,
): Promise<LedgerState[]> {
  const admin = await fixture.env.admin()
  const partitions = (await admin.fetchTopicOffsets(ledger)).map((o) => o.partition)
  if (!partitions.includes(partition)) return []
  const mine = (r: ReceivedRecord): boolean => r.partition === partition && r.key === idempotencyKey
  const records = await fixture.env.consume({
    topic: ledger,
    until: (read) =>
      read.some(
        (r) => mine(r) && r.value !== null && decodeLedgerEntry(r.value)?.state === 'ISSUED',
      ),
  })
  return records
    .filter((r) => mine(r) && r.value !== null)
    .map((r) => decodeLedgerEntry(r.value as Buffer)?.state)
    .filter((s): s is LedgerState => s !== undefined)
}

describe('regression: an input topic grown while the relay runs', () => {
  it('grows the ledger before the new partition is processed, so its keys are never issued twice', async () => {
    // An operator added a partition to an input topic under a running relay. The relay consumed
    // it (after a metadata refresh) with a ledger topic that had no such partition: the worker
    // restored the missing ledger partition as empty, and kafkajs silently dropped the INTENT
    // and ISSUED records addressed to it while the transaction committed the output and the
    // offset. Restarted, the relay grew the ledger and found nothing, so the same content was
    // issued again with onDuplicate "revoke", and MocaChain revoked the first credential.
    const fixture = await startRelayFixture({
      partitions: 1,
      config: { kafka: { metadataMaxAge: '500ms' } },
    })
    const ledger = issueLedgerTopic(fixture.groupId, fixture.topics.kyc)
    const event = (user: string) => ({
      key: user,
      value: JSON.stringify({ user: { email: `${user}@example.com` }, level: 1 }),
    })
    // A producer of its own each time: kafkajs drops, without a word, a record addressed to a
    // partition its (5-minute) metadata does not know yet, as it did the relay's ledger records.
    const produceTo = async (partition: number, user: string): Promise<void> => {
      const producer = await fixture.env.producer()
      const sent = await producer.send({
        topic: fixture.topics.kyc,
        acks: -1,
        messages: [{ ...event(user), partition }],
      })
      expect(sent.map((r) => r.partition)).toEqual([partition])
    }

    const first = await fixture.startRelay()
    await produceTo(0, 'u1')
    await fixture.readOutputs((e) => e.issued.length >= 1)

    const admin = await fixture.env.admin()
    await admin.createPartitions({ topicPartitions: [{ topic: fixture.topics.kyc, count: 2 }] })
    await produceTo(1, 'u2')
    const out = await fixture.readOutputs((e) => e.issued.some((i) => i.source.partition === 1))
    const issued = out.issued.find((i) => i.source.partition === 1)!
    const key = issued.idempotencyKey

    // the ledger grew with its input topic, and holds the key's intent and outcome
    expect((await admin.fetchTopicOffsets(ledger)).map((o) => o.partition)).toContain(1)
    expect(await ledgerStates(fixture, ledger, 1, key)).toEqual(['INTENT', 'ISSUED'])

    // the same content again: skipped through the ledger
    await produceTo(1, 'u2')
    await expect.poll(() => committedOffset(fixture, 1), { timeout: 30_000 }).toBe(2)
    // and again after a restart, which restores the ledger partition from the topic
    await first.stop()
    await fixture.startRelay()
    await produceTo(1, 'u2')
    await expect.poll(() => committedOffset(fixture, 1), { timeout: 30_000 }).toBe(3)

    const final = await fixture.readOutputs((e) => e.onchain.length >= 2)
    expect(final.issued.filter((i) => i.idempotencyKey === key)).toHaveLength(1)
    expect(appliedRevokes(fixture.issueCalls(), key)).toBe(1)
  }, 120_000)
})
