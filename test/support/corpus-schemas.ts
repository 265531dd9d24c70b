import { SchemaType } from '@kafkajs/confluent-schema-registry'
import {
  CORPUS_AVRO_SCHEMA,
  CORPUS_JSON_SCHEMA,
  CORPUS_UNREADABLE_JSON_SCHEMA,
  type CorpusSchemaIds,
} from '../fixtures/bad-input-corpus.js'
import { registerSchemaText, uniqueName } from './registry-subjects.js'
import { plainRegistryClient } from './plain-registry-client.js'

/**
 * Registers the corpus's writer schemas under fresh subjects, as an upstream producer would.
 * The caller removes `subjects` (deleteSubjects) when it is done.
 */
export async function registerCorpusSchemas(
  registryUrl: string,
): Promise<{ ids: CorpusSchemaIds; subjects: string[] }> {
  const registry = plainRegistryClient(registryUrl)
  const avroSubject = uniqueName('corpus-avro-value')
  const jsonSubject = uniqueName('corpus-json-value')
  const avro = await registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(CORPUS_AVRO_SCHEMA) },
    { subject: avroSubject },
  )
  const jsonSchema = await registry.register(
    { type: SchemaType.JSON, schema: JSON.stringify(CORPUS_JSON_SCHEMA) },
    { subject: jsonSubject },
  )
  const unreadableSubject = uniqueName('corpus-unreadable-json-value')
  const unreadableJsonSchema = await registerSchemaText(registryUrl, unreadableSubject, {
    schemaType: 'JSON',
    schema: CORPUS_UNREADABLE_JSON_SCHEMA,
  })
  return {
    ids: { avro: avro.id, jsonSchema: jsonSchema.id, unreadableJsonSchema },
    subjects: [avroSubject, jsonSubject, unreadableSubject],
  }
}
