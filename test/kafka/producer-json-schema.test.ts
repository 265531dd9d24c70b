import { describe, expect, it } from 'vitest'
import {
  createProducerSchemaCompiler,
  nameJsonReference,
} from '../../src/kafka/producer-json-schema.js'

/** A reference as the relay's registry client passes it: named by its referrer's references. */
function named(name: string, schema: object | boolean): object {
  return JSON.parse(nameJsonReference(JSON.stringify(schema), name)) as object
}

/** Compiles as the registry client does: references first, then the writer schema. */
function reader(schema: object, references: object[] = []) {
  const compiler = createProducerSchemaCompiler()
  for (const reference of references) compiler.addSchema(reference)
  return compiler.compile(schema)
}

/** Why the schema does not compile: words that follow "cannot be used to decode: ". */
function unreadable(schema: object, references: object[] = []): string {
  try {
    reader(schema, references)
  } catch (err) {
    return (err as Error).message
  }
  throw new Error('the schema compiled')
}

function violations(validate: ReturnType<typeof reader>, payload: unknown): string[] {
  return validate(payload)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message}`)
}

describe('producer JSON Schemas, read in the draft they name', () => {
  it('reads a 2020-12 schema ($defs, prefixItems, dependentRequired)', () => {
    const validate = reader({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      required: ['email'],
      properties: {
        email: { $ref: '#/$defs/email' },
        pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }] },
      },
      dependentRequired: { pair: ['level'] },
      $defs: { email: { type: 'string', format: 'email' } },
    })
    expect(violations(validate, { email: 'jane@example.com', pair: ['a', 1], level: 2 })).toEqual(
      [],
    )
    expect(violations(validate, { email: 42, pair: ['a', 'b'] })).toEqual([
      '/email must be string',
      '/pair/1 must be integer',
      '(root) must have property level when property pair is present',
    ])
  })

  it('reads 2019-09, draft-07 (named, spelt with https, or not named at all), draft-06 and draft-04', () => {
    const schemas: object[] = [
      {
        $schema: 'https://json-schema.org/draft/2019-09/schema',
        $defs: { level: { type: 'integer', minimum: 0 } },
        properties: { level: { $ref: '#/$defs/level' } },
      },
      {
        $schema: 'http://json-schema.org/draft-07/schema#',
        properties: { level: { type: 'integer', minimum: 0 } },
      },
      {
        $schema: 'https://json-schema.org/draft-07/schema',
        properties: { level: { type: 'integer', minimum: 0 } },
      },
      { properties: { level: { type: 'integer', minimum: 0 } } },
      {
        $schema: 'http://json-schema.org/draft-06/schema#',
        properties: { level: { type: 'integer', exclusiveMinimum: -1 } },
      },
      // What .NET's NJsonSchema writes: draft-04's boolean exclusiveMinimum.
      {
        $schema: 'http://json-schema.org/draft-04/schema#',
        properties: { level: { type: 'integer', minimum: 0, exclusiveMinimum: false } },
      },
    ]
    for (const schema of schemas) {
      const validate = reader(schema)
      expect(violations(validate, { level: 1 })).toEqual([])
      expect(violations(validate, { level: -1 })).toHaveLength(1)
    }
  })

  it('does not check formats or refuse unknown keywords: they are annotations to a reader', () => {
    const validate = reader({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      properties: { at: { type: 'string', format: 'date-time', 'connect.index': 0 } },
    })
    expect(violations(validate, { at: 'yesterday' })).toEqual([])
  })

  it('refuses a draft it does not read, naming it', () => {
    expect(
      unreadable({
        $schema: 'http://json-schema.org/draft-03/schema#',
        properties: { level: { type: 'integer' } },
      }),
    ).toBe(
      'its $schema is http://json-schema.org/draft-03/schema#, a JSON Schema draft the relay does not read',
    )
  })

  it('says which schema is not valid in its draft', () => {
    expect(
      unreadable({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'strnig' }),
    ).toMatch(/^it is not a valid JSON Schema 2020-12 schema \(.*type.*\)$/)
  })

  it('resolves a reference through its $id, and says how to fix a $ref that finds none', () => {
    const address = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'https://example.com/address.json',
      type: 'object',
      required: ['city'],
    }
    const validate = reader(
      {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        properties: { home: { $ref: 'https://example.com/address.json' } },
      },
      [address],
    )
    expect(violations(validate, { home: { city: 'Oslo' } })).toEqual([])
    expect(violations(validate, { home: {} })).toEqual(["/home must have required property 'city'"])

    // A reference that came without a name is out of reach of a $ref by name.
    const { $id: _, ...anonymous } = address
    expect(
      unreadable(
        {
          $schema: 'https://json-schema.org/draft/2020-12/schema',
          properties: { home: { $ref: 'address.json' } },
        },
        [anonymous],
      ),
    ).toBe(
      'its $ref address.json finds no schema (a $ref finds a schema the writer schema references by the name its references give it, or by the $id inside it)',
    )
  })

  it('regression: resolves a $ref by the name the references give it, as Confluent does', () => {
    // The failure: a reference was found only through its own $id, so a schema written as
    // Confluent documents references ($ref "address.json", a reference named "address.json")
    // could not be compiled and every record written with it failed as INPUT_UNDECODABLE.
    const address = { type: 'object', required: ['city'], properties: { city: { type: 'string' } } }
    const validate = reader({ properties: { home: { $ref: 'address.json' } } }, [
      named('address.json', address),
    ])
    expect(violations(validate, { home: { city: 'Oslo' } })).toEqual([])
    expect(violations(validate, { home: {} })).toEqual(["/home must have required property 'city'"])
  })

  it("resolves a name against the referrer's $id even when the reference has an $id of its own", () => {
    // Confluent's documented example: the referrer has an absolute $id, so ajv reads
    // "ProductSchema.json" as http://example.com/ProductSchema.json; the product's own $id is
    // another URI.
    const product = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: 'http://example.com/myURI.schema.json',
      type: 'object',
      required: ['productId'],
      properties: { productId: { type: 'integer' }, tags: { $ref: '#/definitions/tags' } },
      definitions: { tags: { type: 'array', items: { type: 'string' } } },
    }
    const validate = reader(
      {
        $schema: 'http://json-schema.org/draft-07/schema#',
        $id: 'http://example.com/referencedproduct.schema.json',
        properties: {
          product: { $ref: 'ProductSchema.json' },
          same: { $ref: 'http://example.com/myURI.schema.json' },
        },
      },
      [named('ProductSchema.json', product)],
    )
    expect(violations(validate, { product: { productId: 1, tags: ['a'] } })).toEqual([])
    expect(violations(validate, { product: { tags: [1] }, same: {} })).toEqual([
      "/product must have required property 'productId'",
      '/product/tags/0 must be string',
      "/same must have required property 'productId'",
    ])
  })

  it('finds by name each of two references that keep the same $id (a copied template)', () => {
    const template = 'http://example.com/myURI.schema.json'
    const validate = reader(
      {
        properties: { customer: { $ref: 'Customer.json' }, product: { $ref: 'Product.json' } },
      },
      [
        named('Customer.json', { $id: template, required: ['name'] }),
        named('Product.json', { $id: template, required: ['sku'] }),
      ],
    )
    expect(violations(validate, { customer: {}, product: {} })).toEqual([
      "/customer must have required property 'name'",
      "/product must have required property 'sku'",
    ])
  })

  it("resolves a name against the writer's relative $id as ajv resolves the $ref", () => {
    for (const id of ['/schemas/member.json', 'schemas/member.json', 'member.json']) {
      const validate = reader({ $id: id, properties: { home: { $ref: 'address.json' } } }, [
        named('address.json', { required: ['city'] }),
      ])
      expect(violations(validate, { home: {} })).toEqual([
        "/home must have required property 'city'",
      ])
    }
  })

  it("finds a boolean reference by its name, and one that shares the writer's $id", () => {
    const validate = reader(
      {
        $id: 'https://example.com/member.json',
        properties: { never: { $ref: 'nothing.json' }, level: { $ref: 'level.json' } },
      },
      [
        named('nothing.json', false),
        named('level.json', { $id: 'https://example.com/member.json', minimum: 0 }),
      ],
    )
    expect(violations(validate, { level: 1 })).toEqual([])
    expect(violations(validate, { never: 1, level: -1 })).toEqual([
      '/never boolean schema is false',
      '/level must be >= 0',
    ])
  })

  it('reads a name given at two depths as the shallower schema', () => {
    // The client adds the references of a reference before the reference itself.
    const validate = reader({ properties: { x: { $ref: 'common.json' } } }, [
      named('common.json', { type: 'string' }),
      named('common.json', { type: 'integer' }),
    ])
    expect(violations(validate, { x: 1 })).toEqual([])
    expect(violations(validate, { x: 'a' })).toEqual(['/x must be integer'])
  })

  it('reads a draft-04 reference by its name', () => {
    const validate = reader(
      {
        $schema: 'http://json-schema.org/draft-04/schema#',
        id: 'https://example.com/customer.json',
        properties: { level: { $ref: 'level.json' } },
      },
      [named('level.json', { id: 'https://example.com/other/level.json', minimum: 0 })],
    )
    expect(violations(validate, { level: -1 })).toEqual(['/level must be >= 0'])
  })

  it("reads a reference without $schema in its referrer's draft, and refuses a mix of drafts", () => {
    const level = { $id: 'https://example.com/level.json', type: 'integer', minimum: 0 }
    const validate = reader(
      {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        properties: { level: { $ref: level.$id } },
      },
      [level],
    )
    expect(violations(validate, { level: -1 })).toEqual(['/level must be >= 0'])
    expect(
      unreadable(
        {
          $schema: 'https://json-schema.org/draft/2020-12/schema',
          properties: { level: { $ref: level.$id } },
        },
        [{ ...level, $schema: 'http://json-schema.org/draft-07/schema#' }],
      ),
    ).toBe(
      'it is 2020-12 and the schema it references as https://example.com/level.json is draft-07; the relay reads a schema and its references in one draft',
    )
  })

  it('finds a draft-04 reference through its "id"', () => {
    const validate = reader(
      {
        $schema: 'http://json-schema.org/draft-04/schema#',
        properties: { level: { $ref: 'https://example.com/level.json' } },
      },
      [{ id: 'https://example.com/level.json', type: 'integer', minimum: 0 }],
    )
    expect(violations(validate, { level: 1 })).toEqual([])
    expect(violations(validate, { level: -1 })).toEqual(['/level must be >= 0'])
  })

  it('gives each writer schema only its own references', () => {
    const compiler = createProducerSchemaCompiler()
    compiler.addSchema({ $id: 'https://example.com/level.json', type: 'integer' })
    compiler.compile({ properties: { level: { $ref: 'https://example.com/level.json' } } })
    // A second writer schema of the same client, with no references of its own.
    expect(() =>
      compiler.compile({ properties: { level: { $ref: 'https://example.com/level.json' } } }),
    ).toThrow('its $ref https://example.com/level.json finds no schema')
  })
})
