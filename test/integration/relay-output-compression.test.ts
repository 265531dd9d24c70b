import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { lz4Codec } from '../../src/kafka/compression-codecs.js'
import { distinctUserEvents, startRelayFixture } from '../support/relay-fixture.js'

/**
 * A relay writing to a cluster billed by the byte could not compress what it wrote: its batches
 * always went uncompressed. kafka.compression sets the codec.
 */
describe('compressed output', () => {
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
    // The relay's transactions went through the lz4 codec: each one writes every batch with the
    // setting (partition-transactions.ts), intents, outcomes, outputs and confirm requests alike.
    expect(compress).toHaveBeenCalled()
  }, 90_000)
})
