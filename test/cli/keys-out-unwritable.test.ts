import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { runBuiltCli } from '../support/run-built-cli.js'

/**
 * `moca-relay keys generate --out <a path that cannot be a folder>` (a file in its way, a folder
 * the user may not write) died with "unexpected error (a bug, please report it)", the raw ENOTDIR
 * and a stack trace, exit 70: keys-command.ts calls mkdir and writeFile with nothing turning an
 * ordinary file-system refusal into an operator message. A wrong --out is the operator's to fix:
 * one line naming the folder and the reason, exit 1.
 */
describe('moca-relay keys generate --out where no folder can be made', () => {
  it('names the folder and the reason, and exits 1 without a stack trace', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'review-keys-out-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    await writeFile(join(dir, 'not-a-folder'), 'a file where the keys folder should go\n')
    const out = join(dir, 'not-a-folder', 'keys')

    const run = await runBuiltCli(['keys', 'generate', '--out', out], { HOME: dir }, { cwd: dir })

    expect(run.stderr).not.toContain('unexpected error')
    expect(run.stderr).not.toMatch(/\n\s+at /)
    expect(run.stderr).toContain(out)
    // the reason once (Node's message starts with its code: it was "ENOTDIR: ENOTDIR: …")
    expect(run.stderr).toContain('(ENOTDIR: not a directory, mkdir')
    expect(run.stderr).not.toContain('ENOTDIR: ENOTDIR')
    expect(run.code).toBe(1)
  })
})
