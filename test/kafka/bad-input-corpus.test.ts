import { describe, expect, it } from 'vitest'
import { isRelayError } from '../../src/errors/relay-error.js'
import { createInputDecoder } from '../../src/kafka/input-decoder.js'
import {
  allBadInputs,
  badInputCorpus,
  CORPUS_MAX_RECORD_BYTES,
} from '../fixtures/bad-input-corpus.js'
import { expectCorpusOutcome } from './corpus-expectations.js'

describe('malformed-input corpus, decoder without a registry', () => {
  const decoder = createInputDecoder({ registry: null, maxRecordBytes: CORPUS_MAX_RECORD_BYTES })

  it('has at least 50 malformed records and unique labels', () => {
    const all = allBadInputs()
    expect(all.filter((entry) => 'code' in entry.expect).length).toBeGreaterThanOrEqual(50)
    expect(new Set(all.map((entry) => entry.label)).size).toBe(all.length)
  })

  it.each(badInputCorpus(null).map((entry) => [entry.label, entry] as const))(
    '%s',
    async (_label, entry) => {
      await expectCorpusOutcome(decoder, entry)
    },
  )

  it('never lets a raw library error through', async () => {
    for (const entry of badInputCorpus(null)) {
      const outcome = await decoder.decode(entry.record).catch((err: unknown) => err)
      if (outcome instanceof Error) expect(isRelayError(outcome), entry.label).toBe(true)
    }
  })
})
