import { copyFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createCheckCommand } from '../../src/cli/check-command.js'
import { createKeysCommand } from '../../src/cli/keys-command.js'
import { findFreePort } from '../support/free-port.js'

/**
 * The README's "Running it" steps, followed literally in one folder: 1. `keys generate --out keys
 * --kid <partner>`, 3. start from examples/relay.yaml (as relay.yaml), 4. `check --config
 * relay.yaml`. The check fails on the partner key: examples/relay.yaml says
 * `file: ../keys/partner-private-key.pem`, which resolves from the config file's folder to the
 * folder above it, not to the keys/ that step 1 wrote beside it (and the file's own comment says
 * "`moca-relay keys generate --out keys` makes one").
 */
describe('README steps 1, 3 and 4 in one folder', () => {
  it('check finds the key that keys generate wrote', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'review-readme-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const sink = { write: () => true }

    // Step 1 (the kid matches examples/relay.yaml's moca.key.kid)
    const keys = createKeysCommand({ stdout: sink, stderr: sink, env: () => ({}) })
    expect(await keys.run(['generate', '--out', join(dir, 'keys'), '--kid', 'partner-demo'])).toBe(
      0,
    )
    // Step 3
    await copyFile(resolve('examples/relay.yaml'), join(dir, 'relay.yaml'))
    // Step 4, with endpoints from the environment that answer nothing (README step 5's variables)
    let stdout = ''
    await createCheckCommand({
      stdout: { write: (t: string) => (stdout += t) },
      stderr: sink,
      env: {
        KAFKA_BROKERS: '127.0.0.1:1',
        MOCA_BASE_URL: `http://127.0.0.1:${await findFreePort()}/v1`,
      },
    }).run(['--config', join(dir, 'relay.yaml')])

    const keyLine = stdout.split('\n').find((l) => l.includes('partner key'))
    expect(keyLine).toMatch(/^✓ partner key\s+ES256, kid partner-demo/)
  }, 30_000)
})
