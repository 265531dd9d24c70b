import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parse } from 'yaml'
import { z } from 'zod'
import { findProjectRoot } from '../../src/stack/stack-settings.js'

/** The part of docker-compose.yml the tests read: each service's image and environment. */
const ComposeService = z.object({
  image: z.string(),
  environment: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .transform((env) => Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]))),
})
const ComposeFile = z.object({
  services: z.object({ kafka: ComposeService, apicurio: ComposeService }),
})
export type ComposeFile = z.infer<typeof ComposeFile>

export async function readComposeFile(): Promise<ComposeFile> {
  const text = await readFile(join(findProjectRoot(), 'docker-compose.yml'), 'utf8')
  return ComposeFile.parse(parse(text))
}

/**
 * The environment variable the apache/kafka image turns into a server.properties key:
 * "." → "_", "_" → "__", "-" → "___", upper case, KAFKA_ prefix (docker/examples/README.md).
 */
export function kafkaImageVariable(property: string): string {
  return `KAFKA_${property
    .replace(/_/g, '__')
    .replace(/-/g, '___')
    .replace(/\./g, '_')
    .toUpperCase()}`
}

/** The environment variable Quarkus (SmallRye Config) reads for a property name. */
export function quarkusVariable(property: string): string {
  return property.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()
}
