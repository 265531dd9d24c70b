import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { findFreePort } from '../support/free-port.js'
import { runBuiltCli } from '../support/run-built-cli.js'

/**
 * `moca-relay stack up --host <an address this machine does not have, or a name that does not
 * resolve>` failed with STACK_PORT_BUSY, "another program holds it" / "taken by a program that
 * is not a schema registry": canListen (port-probe.ts) reads every listen error, EADDRNOTAVAIL
 * and ENOTFOUND included, as "busy", and probeRegistry (registry-probe.ts) reads every connect
 * error but three as "some other program answers". The operator goes hunting for a program on
 * the port instead of fixing --host / STACK_HOST.
 */
describe('moca-relay stack up with a --host that is not an address of this machine', () => {
  // Ports no one uses, in a scratch STACK_DIR: the shared stack is never touched.
  async function stackUp(host: string) {
    const dir = await mkdtemp(join(tmpdir(), 'stack-host-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const [kafka, controller, registry] = [
      await findFreePort(),
      await findFreePort(),
      await findFreePort(),
    ]
    return runBuiltCli(
      [
        ...['stack', 'up', '--host', host, '--stack-dir', join(dir, 'stack')],
        ...['--kafka-port', String(kafka), '--controller-port', String(controller)],
        ...['--registry-port', String(registry)],
      ],
      { HOME: dir },
      { cwd: dir, timeoutMs: 30_000 },
    )
  }

  for (const host of ['192.0.2.1', 'no-such-host.invalid']) {
    it(`${host}: names the address as the problem, not a program on the port`, async () => {
      const run = await stackUp(host)
      expect(run.code).toBe(1)
      expect(run.stderr).toContain(host)
      expect(run.stderr).not.toContain('STACK_PORT_BUSY')
      expect(run.stderr).not.toMatch(/another program holds it|taken by a program/)
      expect(run.stderr).toMatch(/STACK_HOST \(--host\).*\[CONFIG_INVALID\]/)
    })
  }
})
