import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { runBuiltCli } from '../support/run-built-cli.js'

/**
 * `moca-relay sandbox` on a port another program holds (its default 8080 is a popular one) died
 * with "unexpected error (a bug, please report it)", the raw EADDRINUSE and a stack trace, exit
 * 70: sandbox-command.ts awaits startSandbox, whose listen error nothing turns into an operator
 * message. A taken port is the operator's to fix: one line naming the port and --port, exit 1.
 */
describe('moca-relay sandbox on a port that is taken', () => {
  it('names the port and --port, and exits 1 without a stack trace', async () => {
    const holder = createServer()
    await new Promise<void>((done) => holder.listen(0, '127.0.0.1', done))
    onTestFinished(() => new Promise<void>((done) => holder.close(() => done())))
    const { port } = holder.address() as { port: number }
    const dir = await mkdtemp(join(tmpdir(), 'review-sandbox-port-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))

    const run = await runBuiltCli(
      ['sandbox', '--config', resolve('examples/sandbox.yaml'), '--port', String(port)],
      { HOME: dir },
      { cwd: dir },
    )

    expect(run.stderr).not.toContain('unexpected error')
    expect(run.stderr).not.toMatch(/\n\s+at /)
    expect(run.stderr).toContain(String(port))
    expect(run.stderr).toContain('--port')
    expect(run.code).toBe(1)
  })
})
