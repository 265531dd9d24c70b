import { randomUUID } from 'node:crypto'
import { fetchFromRegistry } from './plain-registry-client.js'

/** A subject or topic name no other test run uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`
}

/**
 * Removes subjects a test created: a soft delete, then the permanent one the Confluent API
 * requires after it. Missing subjects are fine (the test may have failed before creating them).
 */
export async function deleteSubjects(
  registryUrl: string,
  subjects: readonly string[],
): Promise<void> {
  for (const subject of subjects) {
    const base = `${registryUrl}/subjects/${encodeURIComponent(subject)}`
    for (const url of [base, `${base}?permanent=true`]) {
      const response = await fetchFromRegistry(url, { method: 'DELETE' })
      await response.body?.cancel()
    }
  }
}

/** Sets a subject-level compatibility rule through the Confluent API, as an operator would. */
export async function setSubjectCompatibility(
  registryUrl: string,
  subject: string,
  compatibility: string,
): Promise<void> {
  const response = await fetchFromRegistry(`${registryUrl}/config/${encodeURIComponent(subject)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ compatibility }),
  })
  const body = await response.text()
  if (!response.ok) throw new Error(`PUT /config/${subject}: ${response.status} ${body}`)
}

export async function getSubjectCompatibility(
  registryUrl: string,
  subject: string,
): Promise<string> {
  const response = await fetchFromRegistry(`${registryUrl}/config/${encodeURIComponent(subject)}`)
  const body = (await response.json()) as { compatibilityLevel?: string }
  return body.compatibilityLevel ?? `HTTP ${response.status}`
}

/**
 * Registers a schema through the Confluent API as its text, the way a producer in another
 * language does. The JavaScript client compiles a JSON Schema with its own ajv (draft-07 only)
 * before it registers one, so it cannot register the drafts other clients write.
 */
export async function registerSchemaText(
  registryUrl: string,
  subject: string,
  registration: {
    readonly schemaType: 'JSON' | 'AVRO'
    readonly schema: object
    readonly references?: readonly { name: string; subject: string; version: number }[]
  },
): Promise<number> {
  const response = await fetchFromRegistry(
    `${registryUrl}/subjects/${encodeURIComponent(subject)}/versions`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ ...registration, schema: JSON.stringify(registration.schema) }),
    },
  )
  const body = await response.text()
  if (!response.ok)
    throw new Error(`POST /subjects/${subject}/versions: ${response.status} ${body}`)
  return (JSON.parse(body) as { id: number }).id
}
