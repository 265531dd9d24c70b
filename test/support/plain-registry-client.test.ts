import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { fetchFromRegistry, plainRegistryClient } from './plain-registry-client.js'

/**
 * The integration tests' upstream producers and downstream consumers use this client: a request the
 * registry leaves unanswered must be sent again, and give up with a message, not hang the test.
 */
describe('the plain registry client of the tests’ producers and consumers', () => {
  let server: Server | undefined
  afterEach(async () => {
    server?.closeAllConnections()
    await new Promise((resolve) => server?.close(resolve))
    server = undefined
  })

  /** A registry that leaves the first `unanswered` requests hanging and answers the rest. */
  async function registryIgnoring(unanswered: number): Promise<{ url: string; seen: string[] }> {
    const seen: string[] = []
    server = createServer((request, response) => {
      seen.push(`${request.method} ${request.url}`)
      if (seen.length <= unanswered) return
      response.setHeader('content-type', 'application/vnd.schemaregistry.v1+json')
      response.end(JSON.stringify({ subject: 's-value', version: 1, id: 7, schema: '"string"' }))
    })
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    return { url: `http://127.0.0.1:${port}`, seen }
  }

  it('sends an unanswered request again and returns the answer to the next send', async () => {
    const registry = await registryIgnoring(1)
    const client = plainRegistryClient(registry.url, { requestTimeoutMs: 200 })

    expect(await client.getLatestSchemaId('s-value')).toBe(7)
    expect(registry.seen).toEqual([
      'GET /subjects/s-value/versions/latest',
      'GET /subjects/s-value/versions/latest',
    ])
  })

  it('gives up after its attempts, naming the registry, the request and the timeout', async () => {
    const registry = await registryIgnoring(Number.POSITIVE_INFINITY)
    const client = plainRegistryClient(registry.url, { requestTimeoutMs: 200, attempts: 2 })

    await expect(client.getLatestSchemaId('s-value')).rejects.toThrow(
      `the schema registry at ${registry.url} answered none of 2 sends of ` +
        'GET /subjects/s-value/versions/latest within 200 ms each',
    )
    expect(registry.seen).toHaveLength(2)
  })

  it('fetchFromRegistry (the tests’ subject cleanup) sends an unanswered request again, then gives up', async () => {
    const once = await registryIgnoring(1)
    const response = await fetchFromRegistry(
      `${once.url}/subjects/s-value`,
      { method: 'DELETE' },
      { requestTimeoutMs: 200 },
    )
    expect(response.status).toBe(200)
    await response.body?.cancel()
    expect(once.seen).toEqual(['DELETE /subjects/s-value', 'DELETE /subjects/s-value'])
  })

  it('fetchFromRegistry gives up after its attempts, naming the request', async () => {
    const never = await registryIgnoring(Number.POSITIVE_INFINITY)
    await expect(
      fetchFromRegistry(`${never.url}/config/s-value`, {}, { requestTimeoutMs: 200, attempts: 2 }),
    ).rejects.toThrow(
      `the schema registry answered none of 2 sends of GET ${never.url}/config/s-value within 200 ms each`,
    )
    expect(never.seen).toHaveLength(2)
  })

  it('passes a refusal through at once: only silence is retried', async () => {
    const seen: string[] = []
    server = createServer((request, response) => {
      seen.push(`${request.method} ${request.url}`)
      response.statusCode = 404
      response.setHeader('content-type', 'application/vnd.schemaregistry.v1+json')
      response.end(JSON.stringify({ error_code: 40401, message: 'Subject not found' }))
    })
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo

    await expect(
      plainRegistryClient(`http://127.0.0.1:${port}`).getLatestSchemaId('s-value'),
    ).rejects.toThrow('Subject not found')
    expect(seen).toHaveLength(1)
  })
})
