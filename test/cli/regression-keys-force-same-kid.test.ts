import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { BUILT_CLI, type CliRun } from '../support/run-built-cli.js'
import { keysFolder, readKeysFolder, runKeysCommand } from '../support/run-keys-command.js'

/**
 * `moca-relay keys generate --force --kid K`, with K the kid of the key already in --out, dropped
 * the old public key from jwks.json, and wrote the new private key before the JWKS. A relay that
 * reloads its key file (watch-key-file.ts) then signed with a key no JWKS published yet, and a
 * verifier that had cached K kept the old key for it: MocaChain refused every token, an outage in
 * the middle of a rotation. A kid the JWKS publishes is refused, naming the kid and the fix, and
 * nothing is written; a JWKS that cannot be written leaves the private key as it was.
 */
describe('moca-relay keys generate --force with the kid of the current key', () => {
  it('is refused with KEY_KID_IN_USE, naming the kid and --kid, and changes no file', async () => {
    const out = await keysFolder()
    expect((await runKeysCommand(['generate', '--kid', 'partner-1', '--out', out])).code).toBe(0)
    const before = await readKeysFolder(out)

    const run = await runKeysCommand(['generate', '--kid', 'partner-1', '--out', out, '--force'])

    expect(run.code).toMatchObject({ code: 'KEY_KID_IN_USE' })
    const message = (run.code as Error).message
    expect(message).toContain('"partner-1"')
    expect(message).toContain('--kid')
    expect(run.stdout).toBe('')
    expect(await readKeysFolder(out)).toEqual(before)
  })
})

/**
 * Runs the built CLI in a shell whose file-size limit is one block (512 or 1,024 bytes): a file
 * write past it fails with EFBIG, as on a full disk. Node ignores SIGXFSZ, so the write fails
 * rather than the process.
 */
function runBuiltCliOnSmallDisk(args: readonly string[]): Promise<CliRun> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(
      'sh',
      ['-c', 'ulimit -f 1 && exec "$0" "$@"', process.execPath, BUILT_CLI, ...args],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 20_000,
        killSignal: 'SIGKILL',
      },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    child.once('error', reject)
    child.once('close', (code) => resolveRun({ code, stdout, stderr }))
  })
}

describe('moca-relay keys generate --force when the JWKS cannot be written', () => {
  it('leaves the private key and jwks.json as they were (npm run build first)', async () => {
    const out = await keysFolder()
    // Six published ES256 keys: a JWKS of more than 1,024 bytes, a private key of about 240.
    expect((await runKeysCommand(['generate', '--out', out])).code).toBe(0)
    for (let i = 0; i < 5; i += 1) {
      expect((await runKeysCommand(['generate', '--out', out, '--force'])).code).toBe(0)
    }
    const before = await readKeysFolder(out)
    expect(before.privateKey?.length).toBeLessThan(512)
    expect(before.jwks?.length).toBeGreaterThan(1024)

    const run = await runBuiltCliOnSmallDisk(['keys', 'generate', '--out', out, '--force'])

    expect(run.stderr).toContain('[KEY_WRITE_FAILED]')
    expect(run.stderr).toContain(out)
    expect(run.code).toBe(1)
    // The key a relay reloads from the file is still the one the JWKS publishes.
    expect(await readKeysFolder(out)).toEqual(before)
  })
})
