import { describe, expect, it } from 'vitest'
import { KYC_PROGRAM, startRelayFixture } from '../support/relay-fixture.js'

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
})
