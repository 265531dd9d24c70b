import { Ajv, type AnySchema, type AnySchemaObject, type Options, type ValidateFunction } from 'ajv'
import { Ajv2019 } from 'ajv/dist/2019.js'
import { Ajv2020 } from 'ajv/dist/2020.js'
import ajvDraft04 from 'ajv-draft-04'
import { createRequire } from 'node:module'

/**
 * ajv as a reader of producers' schemas: every violation collected (its default stops at the
 * first), so one credential.failed message lists everything the producer has to fix; and not
 * strict, because strict mode refuses to compile a schema holding a keyword ajv does not know,
 * which JSON Schema says to ignore (Kafka Connect's "connect.index", "x-…" annotations), or a
 * format ("email", "date-time") without format definitions, and every record written with such a
 * schema failed. Formats are annotations here: every draft the relay reads makes checking them
 * optional.
 */
const READER_OPTIONS: Options = {
  allErrors: true,
  strict: false,
  validateFormats: false,
  logger: false,
}

// A CommonJS module: its class is both module.exports and its "default" (typed as the latter).
const AjvDraft04 = ajvDraft04.default

const draft06MetaSchema = createRequire(import.meta.url)(
  'ajv/dist/refs/json-schema-draft-06.json',
) as AnySchemaObject

/** Why a schema cannot be read, said by this module rather than ajv. */
class UnreadableSchema extends Error {}

interface Draft {
  readonly name: string
  /** The "$schema" ajv knows this draft by. */
  readonly metaId: string
  /** The keyword that names a schema: "id" until draft-04, "$id" since draft-06. */
  readonly idKeyword: 'id' | '$id'
  readonly create: () => Ajv | Ajv2019 | Ajv2020 | InstanceType<typeof AjvDraft04>
}

const DRAFT_07: Draft = {
  name: 'draft-07',
  metaId: 'http://json-schema.org/draft-07/schema#',
  idKeyword: '$id',
  create: () => new Ajv(READER_OPTIONS),
}

/** The drafts the relay reads, by their "$schema" without scheme and trailing "#". */
const DRAFTS: ReadonlyMap<string, Draft> = new Map([
  [
    'json-schema.org/draft-04/schema',
    {
      name: 'draft-04',
      metaId: 'http://json-schema.org/draft-04/schema#',
      idKeyword: 'id',
      create: () => new AjvDraft04(READER_OPTIONS),
    },
  ],
  [
    'json-schema.org/draft-06/schema',
    {
      name: 'draft-06',
      metaId: 'http://json-schema.org/draft-06/schema#',
      idKeyword: '$id',
      create: () => {
        const ajv = new Ajv(READER_OPTIONS)
        ajv.addMetaSchema(draft06MetaSchema)
        return ajv
      },
    },
  ],
  ['json-schema.org/draft-07/schema', DRAFT_07],
  [
    'json-schema.org/draft/2019-09/schema',
    {
      name: '2019-09',
      metaId: 'https://json-schema.org/draft/2019-09/schema',
      idKeyword: '$id',
      create: () => new Ajv2019(READER_OPTIONS),
    },
  ],
  [
    'json-schema.org/draft/2020-12/schema',
    {
      name: '2020-12',
      metaId: 'https://json-schema.org/draft/2020-12/schema',
      idKeyword: '$id',
      create: () => new Ajv2020(READER_OPTIONS),
    },
  ],
])

/**
 * What @kafkajs/confluent-schema-registry calls as its `ajvInstance` for a JSON writer schema:
 * addSchema for each schema it references, then compile. The client's own default is one ajv 7
 * instance per schema, which reads draft-07 only: a schema declaring 2020-12 (json-schema.org's
 * own examples do) or draft-04 (.NET's NJsonSchema writes it) could not be compiled, and every
 * record written with it failed. Here each writer schema gets a fresh ajv 8 of the draft its
 * "$schema" names (ajv-draft-04 for draft-04), holding its references.
 *
 * A "$ref" finds a referenced schema as Confluent's serializers and registry do: by the name the
 * schema's references give it (as written, and resolved against the referrer's "$id"), or by the
 * "$id" ("id" in draft-04) inside it. The client passes referenced schemas without their names,
 * so schema-registry-client.ts wraps each in an envelope naming it (nameJsonReference).
 *
 * A schema that does not compile throws an Error saying why, in words that follow "cannot be used
 * to decode: ". The client keeps only its message (as a ConfluentSchemaRegistryArgumentError),
 * which registry-value-decoder.ts turns into INPUT_UNDECODABLE: a verdict on every record written
 * with that schema.
 */
export interface ProducerSchemaCompiler {
  addSchema(schema: AnySchemaObject): void
  compile(schema: AnySchemaObject): ValidateFunction
}

/** The key of the envelope in which a referenced JSON schema reaches the compiler with its name. */
const NAMED_REFERENCE = 'moca-relay:named-reference'

/**
 * A referenced schema's text as the registry client hands it to the compiler: in an envelope
 * that carries the name its referrer's references give it. Text that is not JSON is left for the
 * client to fail on as before.
 */
export function nameJsonReference(schemaText: string, name: string): string {
  let schema: unknown
  try {
    schema = JSON.parse(schemaText)
  } catch {
    return schemaText
  }
  return JSON.stringify({ [NAMED_REFERENCE]: { name, schema } })
}

interface Reference {
  /** A schema object, or true / false (a whole schema since draft-06). */
  readonly schema: AnySchema
  /** The name the referrer gives it; none when it came without an envelope. */
  readonly name: string | undefined
}

function unwrapReference(added: AnySchemaObject): Reference {
  const envelope: unknown = added[NAMED_REFERENCE]
  if (typeof envelope === 'object' && envelope !== null) {
    const { name, schema } = envelope as { name?: unknown; schema?: unknown }
    if (
      typeof name === 'string' &&
      (typeof schema === 'boolean' || (typeof schema === 'object' && schema !== null))
    ) {
      return { schema: schema as AnySchema, name }
    }
  }
  return { schema: added, name: undefined }
}

export function createProducerSchemaCompiler(): ProducerSchemaCompiler {
  // The client adds a schema's references and compiles it in one synchronous call: what is
  // pending at a compile belongs to that schema.
  let references: Reference[] = []
  const compiler: ProducerSchemaCompiler = {
    addSchema(schema) {
      references.push(unwrapReference(schema))
    },
    compile(schema) {
      const referenced = references
      references = []
      return compileWriterSchema(schema, referenced)
    },
  }
  return compiler
}

function compileWriterSchema(
  schema: AnySchemaObject,
  referenced: readonly Reference[],
): ValidateFunction {
  const draft = draftOf(schema)
  const ajv = draft.create()
  try {
    // Keys as ajv compares them (without a trailing "#"); true when the key was still free.
    const taken = new Set<string>()
    const claim = (key: string): boolean => {
      const normal = key.endsWith('#') ? key.slice(0, -1) : key
      if (taken.has(normal)) return false
      taken.add(normal)
      return true
    }
    // The writer's own "$id" is its own.
    const bases: string[] = []
    const ownId: unknown = schema[draft.idKeyword]
    if (typeof ownId === 'string') {
      claim(ownId)
      bases.push(ownId)
    }
    const named: { name: string; schema: AnySchema }[] = []
    for (const { schema: reference, name } of referenced) {
      const id: unknown = typeof reference === 'object' ? reference[draft.idKeyword] : undefined
      // Without a name or an "$id", out of reach of any "$ref".
      if (name === undefined && typeof id !== 'string') continue
      if (typeof reference === 'object') {
        // A reference without "$schema" is read in its referrer's draft. ajv reads no mix of
        // drafts in one instance (2020-12 changed what $ref and items mean).
        const referenceDraft = reference.$schema === undefined ? draft : draftOf(reference)
        if (referenceDraft !== draft) {
          throw new UnreadableSchema(
            `it is ${draft.name} and the schema it references as ${name ?? (id as string)} is ${referenceDraft.name}; the relay reads a schema and its references in one draft`,
          )
        }
        if (typeof id === 'string') {
          bases.push(id)
          // A second schema with a taken "$id" (Confluent's template id, kept in two schemas)
          // is still found by its name, below.
          if (claim(id)) ajv.addSchema(withMeta(reference, draft), id)
        }
      }
      if (name !== undefined) named.push({ name, schema: reference })
    }
    // A name stands for its reference as written, and where a "$ref" of that text points in a
    // schema with an "$id" (resolved as ajv resolves it), as Confluent resolves names against the
    // referrer's "$id". Under such a key the schema goes in without its own "$id", which ajv would
    // hold twice. A name given at two depths means the shallower schema, as Confluent's map of
    // names, where the referrer's own references come after the ones they reference.
    const resolve = (base: string, name: string): string => ajv.opts.uriResolver.resolve(base, name)
    for (const { name, schema: reference } of named.reverse()) {
      for (const key of [name, ...bases.map((base) => resolve(base, name))]) {
        if (claim(key)) ajv.addSchema(anonymous(reference, draft), key)
      }
    }
    return ajv.compile(withMeta(schema, draft))
  } catch (err) {
    throw new Error(describeCompileError(err, draft), { cause: err })
  }
}

/** The schema without its own "$id", for a key of another name. */
function anonymous(schema: AnySchema, draft: Draft): AnySchema {
  if (typeof schema === 'boolean') return schema
  const { [draft.idKeyword]: _id, ...rest } = schema
  return withMeta(rest, draft)
}

/** The draft a schema's "$schema" names; draft-07 when it names none, as Confluent's serializers do. */
function draftOf(schema: AnySchemaObject): Draft {
  const declared: unknown = schema.$schema
  if (declared === undefined) return DRAFT_07
  const key =
    typeof declared === 'string'
      ? declared.replace(/^https?:\/\//, '').replace(/#$/, '')
      : undefined
  const draft = key === undefined ? undefined : DRAFTS.get(key)
  if (draft === undefined) {
    const named = typeof declared === 'string' ? declared : JSON.stringify(declared)
    throw new UnreadableSchema(
      `its $schema is ${named}, a JSON Schema draft the relay does not read`,
    )
  }
  return draft
}

/** The schema with "$schema" spelt as ajv knows its draft ("https://…draft-07…" is the same draft). */
function withMeta(schema: AnySchemaObject, draft: Draft): AnySchemaObject {
  return schema.$schema === undefined || schema.$schema === draft.metaId
    ? schema
    : { ...schema, $schema: draft.metaId }
}

function describeCompileError(err: unknown, draft: Draft): string {
  if (err instanceof UnreadableSchema) return err.message
  const missingRef = (err as { missingRef?: unknown }).missingRef
  if (typeof missingRef === 'string') {
    return `its $ref ${missingRef} finds no schema (a $ref finds a schema the writer schema references by the name its references give it, or by the $id inside it)`
  }
  const message = err instanceof Error ? err.message : String(err)
  return `it is not a valid JSON Schema ${draft.name} schema (${message})`
}
