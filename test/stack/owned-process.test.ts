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
  const script = ignoreTerm
    ? "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"
    : 'setInterval(() => {}, 1000)'
  // "--": node would take the marker (-D…) for one of its own options and refuse to start
  const child = spawn(process.execPath, ['-e', script, '--', extraArg], { stdio: 'ignore' })
  const pid = child.pid
  if (pid === undefined) throw new Error('no pid')
  onTestFinished(() => {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  })
  return pid
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
    const pid = spawnSleeper(marker, true)
    // let node install its SIGTERM handler before we send the signal
    await new Promise((resolve) => setTimeout(resolve, 300))
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
