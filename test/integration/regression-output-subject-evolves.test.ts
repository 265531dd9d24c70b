import { afterAll, describe, expect, it, inject } from 'vitest'
import { OutputEventType } from '../../src/domain/output-events.js'
import { createOutputEncoder } from '../../src/kafka/output-encoder.js'
import type { OutputFormat } from '../../src/kafka/output-format.js'
import { readOutputSchema } from '../../src/kafka/output-schemas.js'
import { createSchemaRegistry } from '../../src/kafka/schema-registry-client.js'
import { deleteSubjects, uniqueName } from '../support/registry-subjects.js'

const registryUrl: string = inject('schemaRegistryUrl')

/** What schemas/README.md allows a later release to do: add an optional, nullable field. */
const NEW_FIELD = 'addedInNextRelease'

async function nextReleaseSchema(format: OutputFormat): Promise<object> {
  if (format === 'avro') {
    const avro = JSON.parse(await readOutputSchema(OutputEventType.onchain, 'avro')) as {
      fields: object[]
    }
    avro.fields.push({ name: NEW_FIELD, type: ['null', 'string'], default: null, doc: 'new' })
    return avro
  }
  const json = JSON.parse(await readOutputSchema(OutputEventType.onchain, 'json-schema')) as {
    properties: Record<string, object>
  }
  json.properties[NEW_FIELD] = { description: 'new', type: ['string', 'null'] }
  return json
}

/** A registration through the Confluent API, which enforces the subject's compatibility rule. */
async function register(subject: string, format: OutputFormat, schema: object) {
  const response = await fetch(`${registryUrl}/subjects/${encodeURIComponent(subject)}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({
      schema: JSON.stringify(schema),
      ...(format === 'avro' ? {} : { schemaType: 'JSON' }),
    }),
  })
  return { status: response.status, body: await response.text() }
}

describe('regression: an output subject the relay created', () => {
  const subjects: string[] = []
  afterAll(() => deleteSubjects(registryUrl, subjects))

  // Was: every subject was created under BACKWARD. For a JSON Schema with an open content model
  // (no additionalProperties: false, as schemas/README.md promises) a registry under BACKWARD
  // refuses any added property ("Object type property schemas narrowed", 409): the next release
  // that added an optional field, as the README allows, would have stopped at start-up with
  // SCHEMA_REGISTRY_REJECTED on every json-schema deployment.
  it.each(['json-schema', 'avro'] as const)(
    '(%s) accepts the schema of a release that adds an optional field, and this release again after it',
    async (format) => {
      const topics = new Map(
        Object.values(OutputEventType).map((type) => [type, uniqueName(`evolve-${type}`)]),
      )
      subjects.push(...[...topics.values()].map((topic) => `${topic}-value`))
      const subject = `${topics.get(OutputEventType.onchain)}-value`
      await createOutputEncoder({
        format,
        source: '/moca-relay/it',
        registry: createSchemaRegistry({ url: registryUrl }),
        topicFor: (type) => topics.get(type) as string,
      })

      const next = await register(subject, format, await nextReleaseSchema(format))
      expect(next, next.body).toMatchObject({ status: 200 })
      // An instance of this release restarting during the rolling upgrade registers again.
      const again = await createOutputEncoder({
        format,
        source: '/moca-relay/it',
        registry: createSchemaRegistry({ url: registryUrl }),
        topicFor: (type) => topics.get(type) as string,
      })
      expect(again).toBeDefined()
    },
  )
})
