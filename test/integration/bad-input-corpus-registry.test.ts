import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import { afterAll, beforeAll, describe, it, inject } from 'vitest'
import { createInputDecoder, type InputDecoder } from '../../src/kafka/input-decoder.js'
import { createSchemaRegistry } from '../../src/kafka/schema-registry-client.js'
import {
  badInputCorpus,
  CORPUS_AVRO_SCHEMA,
  CORPUS_JSON_SCHEMA,
  CORPUS_MAX_RECORD_BYTES,
  type BadInput,
  type CorpusSchemaIds,
} from '../fixtures/bad-input-corpus.js'
import { deleteSubjects, uniqueName } from '../support/registry-subjects.js'
import { expectCorpusOutcome } from '../kafka/corpus-expectations.js'

// The integration globalSetup always provides a real registry (env, containers or local stack).
const registryUrl: string = inject('schemaRegistryUrl')

/** Labels are known before the registry assigns ids: build the list with placeholders. */
const entries = badInputCorpus({ avro: 0, jsonSchema: 0 })

describe('malformed-input corpus, decoder with the real registry', () => {
  const url = registryUrl
  const subjects = [uniqueName('corpus-avro-value'), uniqueName('corpus-json-value')]
  let decoder: InputDecoder
  let corpus: readonly BadInput[]

  beforeAll(async () => {
    const producer = new SchemaRegistry({ host: url })
    const [avroSubject, jsonSubject] = subjects as [string, string]
    const ids: CorpusSchemaIds = {
      avro: (
        await producer.register(
          { type: SchemaType.AVRO, schema: JSON.stringify(CORPUS_AVRO_SCHEMA) },
          { subject: avroSubject },
        )
      ).id,
      jsonSchema: (
        await producer.register(
          { type: SchemaType.JSON, schema: JSON.stringify(CORPUS_JSON_SCHEMA) },
          { subject: jsonSubject },
        )
      ).id,
    }
    corpus = badInputCorpus(ids)
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
