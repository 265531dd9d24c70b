import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createManagedService, type ProbeAnswer } from '../../src/stack/managed-service.js'
import { isRunning, readPidRecord } from '../../src/stack/owned-process.js'
import { findFreePort } from '../support/free-port.js'

/**
 * Start failures with stand-in services (shell scripts in place of a JVM): what the user reads
 * when the broker dies at start or never answers, and that nothing is left running.
 */
async function serviceWith(
  script: string,
  startTimeoutMs: number,
  probe?: () => Promise<ProbeAnswer>,
) {
  const dir = await mkdtemp(join(tmpdir(), 'svc-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  const fake = join(dir, 'fake-java')
  await writeFile(fake, `#!/bin/sh\n${script}\n`)
  await chmod(fake, 0o755)
  const port = await findFreePort()
  const service = createManagedService({
    definition: {
      name: 'kafka',
      displayName: 'Kafka broker',
      address: `127.0.0.1:${port}`,
      instanceDir: join(dir, 'run'),
      ports: [{ host: '127.0.0.1', port, purpose: 'Kafka clients', setting: 'STACK_KAFKA_PORT' }],
      externalSetting: 'KAFKA_BROKERS',
      probe: probe ?? (async () => ({ kind: 'closed' })),
      checkRequirements: async () => undefined,
      prepare: async () => ({ java: fake, args: [] }),
      cleanUp: async () => undefined,
    },
    startTimeoutMs,
    stopGracefulMs: 1_000,
    detached: false,
  })
  return { service, pidFile: join(dir, 'run', 'kafka.pid') }
}

describe('a managed service that fails to start', () => {
  it('reports an early exit with the telling log line and the log file', async () => {
    const { service } = await serviceWith(
      'echo "[main] INFO starting"; echo "[main] ERROR Address already in use" >&2; exit 1',
      10_000,
    )
    const error = await service.start().catch((err: unknown) => err)
    expect(error).toMatchObject({ code: 'STACK_START_FAILED' })
    expect((error as Error).message).toContain('ERROR Address already in use')
    expect((error as Error).message).toContain(service.logFile)
  })

  it('gives up at the deadline, names the log file, and leaves no process behind', async () => {
    // exec keeps the marker on the command line ("$@"), as a JVM that hangs at start would
    const { service, pidFile } = await serviceWith(
      `exec "${process.execPath}" -e 'setInterval(() => {}, 1000)' -- "$@"`,
      800,
    )
    let pid: number | undefined
    const started = service.start()
    // the pid file appears as soon as the process runs
    for (let i = 0; i < 50 && pid === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      pid = (await readPidRecord(pidFile))?.pid
    }
    const error = await started.catch((err: unknown) => err)
    expect(error).toMatchObject({ code: 'STACK_START_TIMEOUT' })
    expect((error as Error).message).toContain(service.logFile)
    expect(pid).toBeDefined()
    expect(await isRunning(pid ?? 0)).toBe(false)
    expect(await readPidRecord(pidFile)).toBeUndefined()
  })
})
