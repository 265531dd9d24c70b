import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { runBuiltCli } from '../support/run-built-cli.js'

/**
 * A mistyped environment variable (LOG_LEVEL=verbose, STACK_KAFKA_PORT=abc) made `demo`,
 * `samples`, `sandbox` and `keys token` die with "unexpected error (a bug, please report it)",
 * a raw ZodError dump and a stack trace, exit 70: they call readEnv() without turning its
 * ZodError into CONFIG_INVALID, as `run`, `check` and `stack` do. The operator's mistake is a
 * configuration error: one line naming the variable, exit 1.
 */
describe('an invalid environment variable, for every command that reads the environment', () => {
  async function scratch(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'review-env-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    return dir
  }

  // KAFKA_BROKERS points nowhere, so even a command that went on would touch no real broker.
  const badEnv = { LOG_LEVEL: 'verbose', KAFKA_BROKERS: '127.0.0.1:1' }

  const cases: { name: string; args: (dir: string) => string[] }[] = [
    { name: 'demo', args: (dir) => ['demo', '--events', '10', '--dir', dir] },
    { name: 'samples', args: () => ['samples', '--prefix', 'review-env'] },
    {
      name: 'sandbox',
      args: () => ['sandbox', '--config', resolve('examples/sandbox.yaml'), '--port', '0'],
    },
    { name: 'keys token', args: () => ['keys', 'token', '--partner-id', 'p', '--email', 'a@b.c'] },
  ]

  for (const { name, args } of cases) {
    it(`${name}: says which variable is wrong and exits 1, without a stack trace`, async () => {
      const dir = await scratch()
      const run = await runBuiltCli(args(dir), { ...badEnv, HOME: dir }, { cwd: dir })
      expect(run.stderr).not.toContain('unexpected error')
      expect(run.stderr).not.toMatch(/\n\s+at /)
      expect(run.stderr).toContain('LOG_LEVEL')
      expect(run.code).toBe(1)
    })
  }
})
