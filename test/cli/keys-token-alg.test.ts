import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createKeysCommand, PRIVATE_KEY_FILE } from '../../src/cli/keys-command.js'

/**
 * `moca-relay keys token` accepts --alg (and refuses a key of the other type with it), but
 * `moca-relay keys --help` never mentions it on the token line: keys-command.ts's USAGE lists
 * --partner-id, --email, --key, --kid, --scope and --ttl only. Every option a command takes is
 * in its help.
 */
describe('moca-relay keys token --alg', () => {
  it('is accepted, so the help lists it for `keys token`', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'review-keys-alg-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    let stdout = ''
    const command = createKeysCommand({
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: () => true },
      env: () => ({}),
    })
    expect(await command.run(['generate', '--out', dir])).toBe(0)
    stdout = ''
    const code = await command.run([
      ...['token', '--partner-id', 'p', '--email', 'a@example.com'],
      ...['--key', join(dir, PRIVATE_KEY_FILE), '--alg', 'ES256'],
    ])
    expect(code).toBe(0)
    expect(stdout.split('.')).toHaveLength(3)

    const tokenUsage = command.usage.slice(command.usage.indexOf('moca-relay keys token'))
    expect(tokenUsage).toContain('--alg')
  })
})
