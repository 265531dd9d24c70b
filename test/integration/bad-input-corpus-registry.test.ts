import { afterAll, beforeAll, describe, it, inject } from 'vitest'
import { createInputDecoder, type InputDecoder } from '../../src/kafka/input-decoder.js'
import { createSchemaRegistry } from '../../src/kafka/schema-registry-client.js'
import {
  badInputCorpus,
  CORPUS_MAX_RECORD_BYTES,
  type BadInput,
} from '../fixtures/bad-input-corpus.js'
import { registerCorpusSchemas } from '../support/corpus-schemas.js'
import { deleteSubjects } from '../support/registry-subjects.js'
import { expectCorpusOutcome } from '../kafka/corpus-expectations.js'

// The integration globalSetup always provides a real registry (env, containers or local stack).
const registryUrl: string = inject('schemaRegistryUrl')

/** Labels are known before the registry assigns ids: build the list with placeholders. */
const entries = badInputCorpus({ avro: 0, jsonSchema: 0, unreadableJsonSchema: 0 })

describe('malformed-input corpus, decoder with the real registry', () => {
  const url = registryUrl
  let subjects: string[] = []
  let decoder: InputDecoder
  let corpus: readonly BadInput[]

  beforeAll(async () => {
    const registered = await registerCorpusSchemas(url)
    subjects = registered.subjects
    corpus = badInputCorpus(registered.ids)
    decoder = createInputDecoder({
      registry: createSchemaRegistry({ url }),
      maxRecordBytes: CORPUS_MAX_RECORD_BYTES,
    })
  })
  afterAll(() => deleteSubjects(url, subjects))

  it.each(entries.map((entry, index) => [entry.label, index] as const))(
    '%s',
    async (_label, index) => {
      await expectCorpusOutcome(decoder, corpus[index] as BadInput)
    },
  )
})
