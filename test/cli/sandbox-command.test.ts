import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createJwksDocument } from '../../src/auth/jwks-document.js'
import { createSandboxCommand } from '../../src/cli/sandbox-command.js'
import { createMocaClient } from '../../src/moca/http-moca-client.js'
import { createSilentLogger } from '../../src/ops/logger.js'
import { startJwksServer } from '../support/jwks-server.js'
import {
  PARTNER_ID,
  PROGRAM,
  startSandboxFixture,
  SUBJECT_SCHEMA,
} from '../support/sandbox-fixture.js'

describe('moca-relay sandbox', () => {
  it('serves the config file until stopped, and prints its base URL', async () => {
    // The fixture provides a partner key and token cache; the command runs its own sandbox.
    const f = await startSandboxFixture()
    const jwks = await startJwksServer(createJwksDocument([f.key.publicJwk]))
    onTestFinished(() => jwks.close())
    const dir = await mkdtemp(join(tmpdir(), 'sandbox-cmd-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const configPath = join(dir, 'sandbox.yaml')
    await writeFile(
      configPath,
      [
        'partners:',
        `  - { partnerId: ${PARTNER_ID}, jwksUrl: "${jwks.url}" }`,
        'programs:',
        `  - credentialId: ${PROGRAM.credentialId}`,
        `    issuerDid: ${PROGRAM.issuerDid}`,
        `    partnerId: ${PARTNER_ID}`,
        `    credentialSubjectSchema: ${JSON.stringify(SUBJECT_SCHEMA)}`,
        '',
      ].join('\n'),
    )

    let stdout = ''
    let stop!: () => void
    const stopped = new Promise<void>((resolve) => (stop = resolve))
    const command = createSandboxCommand({
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: () => true },
      env: () => ({}),
      logger: createSilentLogger(),
      untilStopped: () => stopped,
    })
    const exit = command.run(['--config', configPath, '--port', '0'])
    while (!stdout.includes('base URL')) await new Promise((r) => setTimeout(r, 10))
    const baseUrl = /base URL (\S+)/.exec(stdout)?.[1] ?? ''
    expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/)

    const client = createMocaClient({ options: { baseUrl }, tokens: f.tokens })
    const issued = await client.issue(f.issueCall())
    expect(issued.coreClaimHash).toMatch(/^[0-9a-f]{64}$/)
    await client.close()

    stop()
    expect(await exit).toBe(0)
  })

  it('says what is missing', async () => {
    let stderr = ''
    const command = createSandboxCommand({
      stdout: { write: () => true },
      stderr: { write: (t: string) => (stderr += t) },
      env: () => ({}),
    })
    expect(await command.run(['--port', '8080'])).toBe(2)
    expect(stderr).toContain('--config FILE')
    expect(await command.run(['--config', 'x.yaml', '--port', 'eighty'])).toBe(2)
    await expect(command.run(['--config', '/nonexistent/sandbox.yaml'])).rejects.toMatchObject({
      code: 'CONFIG_FILE_NOT_FOUND',
    })
  })
})
