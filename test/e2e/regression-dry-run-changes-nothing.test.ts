import { describe, expect, it } from 'vitest'
import { uniqueName, type KafkaTestEnv } from '../support/kafka-test-env.js'
import { distinctUserEvents, startRelayFixture } from '../support/relay-fixture.js'
import { runCli, writeRelayConfig } from '../support/relay-process.js'

/**
 * `replay --dry-run` said "nothing is called or written", but it started the whole relay: it
 * created the output topics, the confirm queue and the input's ledger (with the partition count
 * and replication of whatever config the operator tried), initialised a transactional producer
 * per input partition (registered with the transaction coordinator for a week) and committed
 * offsets in transactions. A dry run, like `kafka-consumer-groups --reset-offsets --dry-run`,
 * must leave the cluster as it found it.
 */

/** The internal topic where the transaction coordinator records every transactional id. */
const TRANSACTION_LOG = '__transaction_state'

/** Transactional ids starting with `prefix` that the cluster's transaction coordinator knows. */
async function transactionalIds(env: KafkaTestEnv, prefix: string): Promise<string[]> {
  const admin = await env.admin()
  if (!(await admin.listTopics()).includes(TRANSACTION_LOG)) return []
  const ends = new Map(
    (await admin.fetchTopicOffsets(TRANSACTION_LOG)).map((p) => [p.partition, Number(p.high)]),
  )
  const ids = new Set<string>()
  if ([...ends.values()].every((high) => high === 0)) return []
  const consumer = await env.consumer({ groupId: uniqueName('txlog'), readUncommitted: true })
  const positions = new Map<number, number>()
  await consumer.subscribe({ topic: TRANSACTION_LOG, fromBeginning: true })
  await new Promise<void>((resolve) => {
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
      positions.set(e.payload.partition, Number(e.payload.lastOffset) + 1)
      if ([...ends].every(([p, high]) => (positions.get(p) ?? 0) >= high)) resolve()
    })
    void consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        // TransactionLogKey: int16 version, then the transactional id as an int16-length string
        const key = message.key
        if (key === null || key.length < 4) return
        const id = key.subarray(4, 4 + key.readInt16BE(2)).toString('utf8')
        if (id.startsWith(prefix)) ids.add(id)
      },
    })
  })
  await consumer.stop()
  return [...ids].sort()
}

/** The fixture's own topics (its prefix), with their partition counts. */
async function topicsOf(env: KafkaTestEnv, prefix: string): Promise<Record<string, number>> {
  const admin = await env.admin()
  const names = (await admin.listTopics()).filter((t) => t.startsWith(prefix)).sort()
  if (names.length === 0) return {}
  const { topics } = await admin.fetchTopicMetadata({ topics: names })
  return Object.fromEntries(topics.map((t) => [t.name, t.partitions.length]))
}

async function groupsOf(env: KafkaTestEnv, prefix: string): Promise<string[]> {
  const { groups } = await (await env.admin()).listGroups()
  return groups
    .map((g) => g.groupId)
    .filter((g) => g.startsWith(prefix))
    .sort()
}

describe('regression: a dry-run replay changes nothing on the cluster', () => {
  it('before the relay ever ran: it reports every key as new, and creates no topic, no transactional id and no group', async () => {
    const fixture = await startRelayFixture({ partitions: 2 })
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(10))
    const config = await writeRelayConfig(fixture.rawConfig)
    const env = { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem }
    const prefix = fixture.groupId
    expect(await topicsOf(fixture.env, prefix)).toEqual({})

    const dry = await runCli(
      ['replay', '--config', config, '--topic', fixture.topics.kyc, '--to', 'latest', '--dry-run'],
      env,
    )
    expect(dry.output).toMatch(/^\s+would issue\s+10\b/m)
    expect(dry.code).toBe(0)

    // the output topics, the confirm queue and the ledger are still the live relay's to create
    expect(await topicsOf(fixture.env, prefix)).toEqual({})
    expect(await groupsOf(fixture.env, prefix)).toEqual([])
    expect(await transactionalIds(fixture.env, `${prefix}.`)).toEqual([])
    expect(fixture.issueCalls()).toHaveLength(0)
  }, 60_000)

  it('beside the live relay: its offsets, topics and transactional ids stay as they were, and it keeps relaying', async () => {
    const fixture = await startRelayFixture({ partitions: 2 })
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(10))
    const config = await writeRelayConfig(fixture.rawConfig)
    const env = { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem }
    const prefix = fixture.groupId
    await fixture.startRelay()
    await fixture.readOutputs((e) => e.onchain.length >= 10)
    const admin = await fixture.env.admin()
    const liveOffsets = () => admin.fetchOffsets({ groupId: prefix, topics: [fixture.topics.kyc] })
    const before = {
      offsets: await liveOffsets(),
      topics: await topicsOf(fixture.env, prefix),
      groups: await groupsOf(fixture.env, prefix),
      transactionalIds: await transactionalIds(fixture.env, `${prefix}.`),
    }

    const dry = await runCli(
      ['replay', '--config', config, '--topic', fixture.topics.kyc, '--dry-run'],
      env,
    )
    expect(dry.output).toMatch(/^\s+already done\s+10\b/m)
    expect(dry.code).toBe(0)

    expect({
      offsets: await liveOffsets(),
      topics: await topicsOf(fixture.env, prefix),
      groups: await groupsOf(fixture.env, prefix),
      transactionalIds: await transactionalIds(fixture.env, `${prefix}.`),
    }).toEqual(before)
    // the live relay was not fenced: it relays what comes next
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(15).slice(10))
    const out = await fixture.readOutputs((e) => e.onchain.length >= 15)
    expect(out.issued).toHaveLength(15)
    expect(fixture.issueCalls()).toHaveLength(15)
  }, 90_000)

  it('after the input topic grew: it reads the ledger partitions there are, and grows no topic', async () => {
    const fixture = await startRelayFixture({ partitions: 2 })
    const events = distinctUserEvents(30)
    await fixture.produce(fixture.topics.kyc, events.slice(0, 10))
    const config = await writeRelayConfig(fixture.rawConfig)
    const env = { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem }
    const prefix = fixture.groupId
    const live = await fixture.startRelay()
    await fixture.readOutputs((e) => e.onchain.length >= 10)
    await live.stop()
    // upstream adds a partition while the relay is down; its next start grows the ledger
    const admin = await fixture.env.admin()
    await admin.createPartitions({ topicPartitions: [{ topic: fixture.topics.kyc, count: 3 }] })
    await fixture.produce(fixture.topics.kyc, events.slice(10))
    const topics = await topicsOf(fixture.env, prefix)

    const dry = await runCli(
      ['replay', '--config', config, '--topic', fixture.topics.kyc, '--to', 'latest', '--dry-run'],
      env,
    )
    expect(dry.output).toMatch(/^\s+would issue\s+20\b/m)
    expect(dry.output).toMatch(/^\s+already done\s+10\b/m)
    expect(dry.code).toBe(0)
    expect(await topicsOf(fixture.env, prefix)).toEqual(topics)
  }, 90_000)

  it("given the --run-id of an interrupted replay, it reads the whole range and leaves that replay's resume point alone", async () => {
    const fixture = await startRelayFixture({ partitions: 1 })
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(10))
    const config = await writeRelayConfig(fixture.rawConfig)
    const env = { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem }
    // replay-1 was interrupted after committing offset 4: its resume starts there
    const runId = 'replay-20261127000000-abcdef'
    const runGroup = `${fixture.groupId}.${runId}`
    const admin = await fixture.env.admin()
    await admin.setOffsets({
      groupId: runGroup,
      topic: fixture.topics.kyc,
      partitions: [{ partition: 0, offset: '4' }],
    })
    const resumePoint = () =>
      admin.fetchOffsets({ groupId: runGroup, topics: [fixture.topics.kyc] })
    const before = await resumePoint()

    const dry = await runCli(
      [
        'replay',
        '--config',
        config,
        '--topic',
        fixture.topics.kyc,
        '--run-id',
        runId,
        '--from',
        'earliest',
        '--to',
        'latest',
        '--dry-run',
      ],
      env,
    )
    expect(await resumePoint()).toEqual(before)
    expect(await groupsOf(fixture.env, fixture.groupId)).toEqual([runGroup])
    expect(dry.output).toMatch(/^\s+would issue\s+10\b/m)
    expect(dry.code).toBe(0)
  }, 60_000)
})
