import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import {
  findOwnedProcess,
  isRunning,
  ownershipMarker,
  stopProcess,
  writePidRecord,
} from '../../src/stack/owned-process.js'

/** A long-running process whose command line carries `extraArg` (stands in for a JVM). */
function spawnSleeper(extraArg: string, ignoreTerm = false): number {
  return spawnSleeperProcess(extraArg, ignoreTerm).pid
}

/** `ready`: resolves once the process runs its script (and so ignores SIGTERM, if asked to). */
function spawnSleeperProcess(
  extraArg: string,
  ignoreTerm = false,
): { pid: number; ready: Promise<void> } {
  const script = ignoreTerm
    ? "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); console.log('ready')"
    : "setInterval(() => {}, 1000); console.log('ready')"
  // "--": node would take the marker (-D…) for one of its own options and refuse to start
  const child = spawn(process.execPath, ['-e', script, '--', extraArg], {
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  const pid = child.pid
  if (pid === undefined) throw new Error('no pid')
  const ready = new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()))
  onTestFinished(() => {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  })
  return { pid, ready }
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'owned-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  return dir
}

describe('owned processes', () => {
  it('stops a process carrying our marker with SIGTERM', async () => {
    const marker = ownershipMarker('/tmp/stack/run/kafka-19092')
    const pid = spawnSleeper(marker)
    expect(await isRunning(pid)).toBe(true)
    expect(await stopProcess({ pid, marker, gracefulMs: 5_000 })).toBe('stopped')
    expect(await isRunning(pid)).toBe(false)
  })

  it('escalates to SIGKILL when the process ignores SIGTERM', async () => {
    const marker = ownershipMarker('/tmp/stack/run/stubborn')
    const { pid, ready } = spawnSleeperProcess(marker, true)
    // node has installed its SIGTERM handler once the script runs (a fixed wait lost that race
    // on a loaded machine)
    await ready
    expect(await stopProcess({ pid, marker, gracefulMs: 300 })).toBe('killed')
    expect(await isRunning(pid)).toBe(false)
  })

  it('never signals a process without the marker, even when the pid file names it', async () => {
    // the situation after a reboot or PID reuse: the recorded PID now belongs to someone else
    const dir = await tempDir()
    const pid = spawnSleeper('--some-other-program')
    const marker = ownershipMarker(dir)
    const pidFile = join(dir, 'kafka.pid')
    await writePidRecord(pidFile, { pid, marker, startedAt: '', logFile: '' })

    expect(await findOwnedProcess(pidFile)).toBeUndefined()
    expect(await stopProcess({ pid, marker, gracefulMs: 200 })).toBe('gone')
    expect(await isRunning(pid)).toBe(true)
  })

  it('does not take the marker of one instance for a longer one that starts with it', async () => {
    const dir = await tempDir()
    const pid = spawnSleeper(ownershipMarker('/x/run/kafka-19092'))
    const pidFile = join(dir, 'kafka.pid')
    await writePidRecord(pidFile, {
      pid,
      marker: ownershipMarker('/x/run/kafka-1909'),
      startedAt: '',
      logFile: '',
    })
    expect(await findOwnedProcess(pidFile)).toBeUndefined()
  })
})
