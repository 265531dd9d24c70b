import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createCheckCommand } from '../../src/cli/check-command.js'
import { findFreePort } from '../support/free-port.js'

/**
 * A registry URL with its credentials in it (https://<key>:<secret>@psrc-….confluent.cloud, which
 * the registry client honours as HTTP Basic) is printed verbatim by `moca-relay check`: the
 * registry line quotes config.schemaRegistry.url on success (check-command.ts checkRegistry) and
 * the request URL on failure (the client's error message), so the secret lands on stdout, in CI
 * logs and in pasted support tickets. The README promises secrets stay secret.
 */
const SECRET = 'S3cretRegistryPass'

describe('moca-relay check with credentials in SCHEMA_REGISTRY_URL', () => {
  async function check(registryUrl: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'moca-relay-check-regpw-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    await writeFile(
      join(dir, 'relay.json'),
      JSON.stringify({
        // nothing listens on either: those lines fail, which this test does not look at
        kafka: { brokers: ['127.0.0.1:1'] },
        moca: {
          baseUrl: `http://127.0.0.1:${await findFreePort()}/v1`,
          partnerId: 'p1',
          key: { kid: 'p1', file: 'missing.pem' },
        },
        routes: [
          {
            name: 'kyc',
            topics: ['kyc.completed'],
            program: { issuerDid: 'did:air:id:test:x', credentialId: 'c1' },
            credentialSubject: { level: 'level' },
          },
        ],
      }),
    )
    let out = ''
    const write = (t: string): boolean => {
      out += t
      return true
    }
    await createCheckCommand({
      stdout: { write },
      stderr: { write },
      env: { SCHEMA_REGISTRY_URL: registryUrl },
    }).run(['--config', join(dir, 'relay.json')])
    return out
  }

  it('keeps the password out of a passing registry line', async () => {
    // A registry that answers as a fresh one does: the subject is not registered yet.
    const registry = createServer((req, res) => {
      req.resume()
      res.writeHead(404, { 'content-type': 'application/vnd.schemaregistry.v1+json' })
      res.end('{"error_code":40401,"message":"Subject not found"}')
    })
    await new Promise<void>((done) => registry.listen(0, '127.0.0.1', done))
    onTestFinished(() => new Promise<void>((done) => registry.close(() => done())))
    const { port } = registry.address() as { port: number }

    const out = await check(`http://apikey:${SECRET}@127.0.0.1:${port}`)
    expect(out).toMatch(/^✓ registry/m)
    expect(out).not.toContain(SECRET)
  }, 30_000)

  it('keeps the password out of a failing registry line', async () => {
    const out = await check(`http://apikey:${SECRET}@127.0.0.1:${await findFreePort()}`)
    expect(out).toMatch(/^✗ registry/m)
    expect(out).not.toContain(SECRET)
  }, 30_000)
})
