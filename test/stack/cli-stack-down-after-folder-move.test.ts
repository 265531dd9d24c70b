import { chmod, mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createManagedService, type ManagedService } from '../../src/stack/managed-service.js'
import { isRunning, readPidRecord } from '../../src/stack/owned-process.js'
import { findFreePort } from '../support/free-port.js'

/**
 * `npm run stack:down` in a project folder that was moved or renamed while its stack ran (or
 * reached through another path, a symlink) says "Kafka broker  stopped (broker data removed)",
 * deletes the pid file and the data, and leaves the JVM running, now with no pid file to find it
 * by. managed-service.ts's stop() finds the process with the marker stored in the pid file
 * (findOwnedProcess), then asks stopProcess to signal it only if it carries the marker computed
 * from the current folder, which it does not: stopProcess returns 'gone' without a signal and
 * stop() reports 'stopped' all the same.
 */
describe('stack down after the stack folder moved', () => {
  function serviceIn(
    root: string,
    fakeJava: string,
    port: number,
    cleaned: string[],
  ): ManagedService {
    return createManagedService({
      definition: {
        name: 'kafka',
        displayName: 'Kafka broker',
        address: `127.0.0.1:${port}`,
        instanceDir: join(root, 'run', `kafka-${port}`),
        ports: [{ host: '127.0.0.1', port, purpose: 'Kafka clients', setting: 'STACK_KAFKA_PORT' }],
        externalSetting: 'KAFKA_BROKERS',
        // the stand-in answers as soon as it runs
        probe: async () => ({ kind: 'ready' }),
        checkRequirements: async () => undefined,
        prepare: async () => ({ java: fakeJava, args: [] }),
        cleanUp: async () => {
          cleaned.push(root)
        },
      },
      startTimeoutMs: 10_000,
      stopGracefulMs: 2_000,
      detached: false,
    })
  }

  it('stops the process it reports as stopped', async () => {
    const base = await mkdtemp(join(tmpdir(), 'stack-move-'))
    onTestFinished(() => rm(base, { recursive: true, force: true }))
    // A JVM stand-in that runs until SIGTERM; the marker stays on its command line.
    const fakeJava = join(base, 'fake-java')
    await writeFile(fakeJava, "#!/bin/sh\ntrap 'exit 0' TERM\nwhile :; do sleep 0.1; done\n")
    await chmod(fakeJava, 0o755)
    const port = await findFreePort()
    const cleaned: string[] = []

    const before = join(base, 'project', '.stack')
    const started = await serviceIn(before, fakeJava, port, cleaned).start()
    const pid = started.pid as number
    onTestFinished(() => {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    })

    // The operator renames the project folder; the broker keeps running.
    await rename(join(base, 'project'), join(base, 'project-renamed'))
    const after = join(base, 'project-renamed', '.stack')
    const moved = serviceIn(after, fakeJava, port, cleaned)
    expect((await moved.status()).state).toBe('running')

    const outcome = await moved.stop()

    if (outcome === 'stopped') {
      expect(await isRunning(pid)).toBe(false)
    } else {
      // Not stopping it is defensible only if the pid file that finds it is kept.
      expect(await readPidRecord(join(after, 'run', `kafka-${port}`, 'kafka.pid'))).toBeDefined()
    }
  })
})
