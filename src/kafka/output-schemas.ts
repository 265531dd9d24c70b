import { access, readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { OutputEventType } from '../domain/output-events.js'
import type { OutputFormat } from './output-format.js'

/**
 * The output schema files in schemas/ (the public contract for downstream consumers) and the
 * URIs that name them in `ce_dataschema`. A URN rather than a URL: the relay has no canonical
 * host to serve the files from, and the name must not change when the files move. The JSON
 * Schemas use the same URN as `$id`.
 */
export const DATA_SCHEMA_URN_PREFIX = 'urn:moca-relay:schema:'

export type SchemaLanguage = 'json-schema' | 'avro'

export const OUTPUT_EVENT_TYPES: readonly OutputEventType[] = Object.values(OutputEventType)

export function schemaFileName(type: OutputEventType, language: SchemaLanguage): string {
  return language === 'avro' ? `${type}.avsc` : `${type}.schema.json`
}

/** The schema language a format writes; plain JSON is described by the JSON Schemas. */
export function schemaLanguageOf(format: OutputFormat): SchemaLanguage {
  return format === 'avro' ? 'avro' : 'json-schema'
}

/** `ce_dataschema` of an event type in a format. */
export function dataSchemaUri(type: OutputEventType, format: OutputFormat): string {
  return DATA_SCHEMA_URN_PREFIX + schemaFileName(type, schemaLanguageOf(format))
}

/** The text of one schema file, as registered and as published. */
export async function readOutputSchema(
  type: OutputEventType,
  language: SchemaLanguage,
): Promise<string> {
  return readFile(path.join(await schemasDirectory(), schemaFileName(type, language)), 'utf8')
}

/** How far up from this module schemas/ may be: src/kafka/ in a checkout, dist/src/kafka/ built. */
const MAX_LEVELS_UP = 4

let schemasDirectoryPromise: Promise<string> | undefined

/**
 * schemas/ sits at the package root, which is two levels above this file in src/ and three in
 * dist/; walking up finds it in both, and in an installed package (package.json "files").
 */
export function schemasDirectory(): Promise<string> {
  schemasDirectoryPromise ??= findSchemasDirectory()
  return schemasDirectoryPromise
}

async function findSchemasDirectory(): Promise<string> {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  const marker = schemaFileName(OutputEventType.issued, 'json-schema')
  for (let level = 0; level <= MAX_LEVELS_UP; level++) {
    const candidate = path.join(dir, 'schemas')
    try {
      await access(path.join(candidate, marker))
      return candidate
    } catch {
      dir = path.dirname(dir)
    }
  }
  throw new Error(
    `moca-relay: schemas/${marker} not found above ${fileURLToPath(import.meta.url)}; the package is incomplete (package.json "files" must include schemas).`,
  )
}
