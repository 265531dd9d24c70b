import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry'
import { describe, expect, it } from 'vitest'
import { RelayError } from '../../src/errors/relay-error.js'
import { createRegistryValueReader } from '../../src/kafka/registry-value-decoder.js'

/** A registry client whose getSchema fails as the fake says, counting the lookups per id. */
function failingRegistry(fail: (id: number) => Error): {
  registry: SchemaRegistry
  lookups: number[]
} {
  const lookups: number[] = []
  const registry = {
    getSchema: (id: number) => {
      lookups.push(id)
      return Promise.reject(fail(id))
    },
  } as unknown as SchemaRegistry
  return { registry, lookups }
}

/** What the client throws when it cannot build a reader from a stored schema. */
function unreadable(message: string): Error {
  return Object.assign(new Error(message), { name: 'ConfluentSchemaRegistryArgumentError' })
}

async function failure(promise: Promise<unknown>): Promise<RelayError> {
  const err = await promise.then(
    () => new Error('decoded'),
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(RelayError)
  return err as RelayError
}

const value = (id: number): Buffer => {
  const header = Buffer.alloc(5)
  header.writeInt32BE(id, 1)
  return Buffer.concat([header, Buffer.from('{"email":"jane@example.com"}')])
}

describe('a registry value reader', () => {
  it('asks the registry once for a schema it cannot read, and fails every record of it alike', async () => {
    // The failure: the client caches no failed schema, so each record written with an
    // unreadable schema fetched it again: one registry request per record.
    const { registry, lookups } = failingRegistry(() =>
      unreadable('its $schema is http://json-schema.org/draft-04/schema#, a JSON Schema draft'),
    )
    const reader = createRegistryValueReader(registry)
    const first = await failure(reader.decode(value(7), 7))
    const second = await failure(reader.decode(value(7), 7))
    expect(lookups).toEqual([7])
    expect(first).toMatchObject({ code: 'INPUT_UNDECODABLE', classification: 'terminal' })
    expect(second).toMatchObject({ code: 'INPUT_UNDECODABLE', classification: 'terminal' })
    expect(second.message).toBe(first.message)
    expect(first.message).toContain('schema id 7 exists in the registry but cannot be used')

    await failure(reader.decode(value(8), 8))
    expect(lookups).toEqual([7, 8])
  })

  it('asks again after a registry that could not answer: that is no verdict on the schema', async () => {
    const { registry, lookups } = failingRegistry(() =>
      Object.assign(new Error('Service Unavailable'), {
        status: 503,
        url: 'http://r/schemas/ids/9',
      }),
    )
    const reader = createRegistryValueReader(registry)
    for (let i = 0; i < 2; i++) {
      const err = await failure(reader.decode(value(9), 9))
      expect(err).toMatchObject({
        code: 'SCHEMA_REGISTRY_UNAVAILABLE',
        classification: 'retryable',
      })
    }
    expect(lookups).toEqual([9, 9])
  })
})
