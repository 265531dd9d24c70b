import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { lz4Codec } from '../../src/kafka/compression-codecs.js'
import { distinctUserEvents, KYC_PROGRAM, startRelayFixture } from '../support/relay-fixture.js'

const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const

describe('compressed input', () => {
  it('reads input topics whose batches the broker stores as gzip, snappy, lz4 or zstd (Java codecs)', async () => {
    const fixture = await startRelayFixture({ partitions: 1 })
    // compression.type on the topic: the broker recompresses every batch it stores with its
    // own (Java) codec, as batches from a Java producer with compression.type set arrive
    const topics = await Promise.all(
      CODECS.map((codec) =>
        fixture.env.createTopic(`kyc-${codec}`, {
          numPartitions: 1,
          configEntries: [{ name: 'compression.type', value: codec }],
        }),
      ),
    )
    for (const [i, topic] of topics.entries()) {
      await fixture.produce(
        topic,
        Array.from({ length: 3 }, (_, n) => ({
          key: `${CODECS[i]}-${n}`,
          value: JSON.stringify({ user: { email: `${CODECS[i]}-${n}@example.com` }, level: n }),
        })),
      )
    }
    await fixture.startRelay({
      config: {
        routes: [
          {
            name: 'kyc',
            topics,
            program: KYC_PROGRAM,
            email: 'user.email',
            credentialSubject: { kycVerified: true, level: 'level' },
          },
        ],
      },
    })
    const out = await fixture.readOutputs((e) => e.onchain.length >= 12)
    expect(out.failed).toHaveLength(0)
    const perTopic = topics.map((t) => out.onchain.filter((e) => e.source.topic === t).length)
    expect(perTopic).toEqual([3, 3, 3, 3])
  }, 90_000)

  it('writes its own batches with kafka.compression, and a consumer reads them', async () => {
    const fixture = await startRelayFixture({ partitions: 2 })
    // the relay runs in this process: its lz4 batches go through the codec it installed
    const compress = vi.spyOn(lz4Codec, 'compress')
    onTestFinished(() => compress.mockRestore())
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(20))
    await fixture.startRelay({ config: { kafka: { compression: 'lz4' } } })
    const out = await fixture.readOutputs((e) => e.onchain.length >= 20)
    expect(out.issued).toHaveLength(20)
    expect(out.onchain).toHaveLength(20)
    expect(out.failed).toHaveLength(0)
    // intents, outcomes, outputs and confirm requests: every transaction's batches
    expect(compress).toHaveBeenCalled()
  }, 90_000)
})
