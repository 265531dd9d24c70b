import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { loadSandboxConfigFile, parseSandboxConfig } from '../../src/sandbox/load-sandbox-config.js'
import { startSandbox } from '../../src/sandbox/start-sandbox.js'

const partner = { partnerId: 'p1', jwksUrl: 'http://127.0.0.1:9/jwks.json' }

describe('sandbox config', () => {
  it('loads examples/sandbox.yaml with every default filled in', async () => {
    const config = await loadSandboxConfigFile(
      new URL('../../examples/sandbox.yaml', import.meta.url).pathname,
    )
    expect(config.partners[0]).toMatchObject({
      partnerId: 'partner-demo',
      issueOnBehalfEnabled: true,
    })
    expect(config.settings).toMatchObject({
      scope: 'issue on-behalf',
      scopeMode: 'strict',
      duplicateIgnoreMode: 'return-existing',
    })
    expect(config.faults.status).toMatchObject({ rates: {}, next: [], retryAfterSeconds: 1 })
  })

  it('reads JSON files too', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sandbox-config-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    await writeFile(join(dir, 'c.json'), JSON.stringify({ partners: [partner] }))
    expect((await loadSandboxConfigFile(join(dir, 'c.json'))).seed).toBe(1)
  })

  it.each([
    ['no partners', {}, /partners/],
    [
      'a program of an unknown partner',
      {
        partners: [partner],
        programs: [{ credentialId: 'c1', issuerDid: 'd', partnerId: 'nobody' }],
      },
      /no partner "nobody"/,
    ],
    ['a duplicate partnerId', { partners: [partner, partner] }, /duplicate partnerId/],
    [
      'a JWKS URL that is not http(s)',
      { partners: [{ ...partner, jwksUrl: 'file:///etc/jwks.json' }] },
      /jwksUrl/,
    ],
    [
      'fault rates above 1',
      { partners: [partner], faults: { issue: { rates: { hang: 0.6, reset: 0.6 } } } },
      /add up to more than 1/,
    ],
    ['an unknown fault', { partners: [partner], faults: { issue: { next: ['explode'] } } }, /next/],
    ['a misspelt setting', { partners: [partner], settings: { onchainDelay: 5 } }, /onchainDelay/],
    [
      'a user of an unknown partner',
      { partners: [partner], users: [{ email: 'a@example.com', partnerId: 'nobody' }] },
      /no partner "nobody".*\n.*at users\[0\]\.partnerId/,
    ],
    [
      'a user without a partner when there are several (consent is per partner)',
      {
        partners: [partner, { ...partner, partnerId: 'p2' }],
        users: [{ email: 'a@example.com', consentRejected: true }],
      },
      /partnerId is required.*\n.*at users\[0\]\.partnerId/,
    ],
  ])('refuses %s, naming the field', (_what, input, message) => {
    expect(() => parseSandboxConfig(input)).toThrow(message)
  })

  it('names the file, and refuses a schema ajv cannot compile', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sandbox-config-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    await writeFile(join(dir, 'bad.yaml'), 'partners: [ { partnerId: 1 } ]\n')
    await expect(loadSandboxConfigFile(join(dir, 'bad.yaml'))).rejects.toThrow(
      /bad\.yaml is invalid/,
    )
    await expect(loadSandboxConfigFile(join(dir, 'missing.yaml'))).rejects.toMatchObject({
      code: 'CONFIG_FILE_NOT_FOUND',
    })
    await expect(
      startSandbox({
        config: {
          partners: [partner],
          programs: [
            {
              credentialId: 'c1',
              issuerDid: 'd',
              partnerId: 'p1',
              credentialSubjectSchema: { type: 'object', propertees: {} },
            },
          ],
        },
      }),
    ).rejects.toThrow(/credentialSubjectSchema is not a valid JSON Schema/)
  })
})
