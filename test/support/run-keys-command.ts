import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onTestFinished } from 'vitest'
import { createKeysCommand, JWKS_FILE, PRIVATE_KEY_FILE } from '../../src/cli/keys-command.js'

/** A fresh folder for `keys generate --out`, removed when the test ends. */
export async function keysFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'moca-keys-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/**
 * Runs `moca-relay keys …` in-process, capturing what a user would see. `code` is the exit code,
 * or the error the command threw (main.ts prints its message and code, and exits 1).
 */
export async function runKeysCommand(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: unknown; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const command = createKeysCommand({
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: () => env,
  })
  const code = await command.run(args).catch((err: unknown) => err)
  return { code, stdout, stderr }
}

/** Everything in an --out folder: its file names, and the key and JWKS as bytes on disk. */
export async function readKeysFolder(
  dir: string,
): Promise<{ files: string[]; privateKey?: string; jwks?: string }> {
  const text = (name: string) => readFile(join(dir, name), 'utf8').catch(() => undefined)
  return {
    files: (await readdir(dir)).sort(),
    privateKey: await text(PRIVATE_KEY_FILE),
    jwks: await text(JWKS_FILE),
  }
}
