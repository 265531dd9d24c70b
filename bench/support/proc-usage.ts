import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'

/** CPU and memory of one process, read from /proc (Linux): all its threads, GC and libuv included. */
export interface ProcUsage {
  /** user + system CPU time since the process started, in ms. */
  readonly cpuMs: number
  /** The system (kernel) part of cpuMs: syscalls, including loopback TCP delivery. */
  readonly systemCpuMs: number
  readonly rssBytes: number
  /** Peak RSS (VmHWM) since the process started. */
  readonly peakRssBytes: number
  /** When this was read (Date.now()). */
  readonly at: number
}

/** Clock ticks per second of utime/stime in /proc/<pid>/stat; 100 on every Linux we know. */
const FALLBACK_CLOCK_TICKS = 100

let clockTicks: number | null = null

function ticksPerSecond(): number {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    } catch {
      clockTicks = FALLBACK_CLOCK_TICKS
    }
    if (!Number.isFinite(clockTicks) || clockTicks <= 0) clockTicks = FALLBACK_CLOCK_TICKS
  }
  return clockTicks
}

/** Reads /proc/<pid>/stat and /proc/<pid>/status; null once the process is gone. */
export function readProcUsage(pid: number): ProcUsage | null {
  let stat: string
  let status: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    status = readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch {
    return null
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the name and state.
  const ticks = Number(fields[11]) + Number(fields[12])
  return {
    cpuMs: (ticks * 1000) / ticksPerSecond(),
    systemCpuMs: (Number(fields[12]) * 1000) / ticksPerSecond(),
    rssBytes: kib(status, 'VmRSS') * 1024,
    peakRssBytes: kib(status, 'VmHWM') * 1024,
    at: Date.now(),
  }
}

function kib(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
  return match ? Number(match[1]) : 0
}

/** The whole machine's busy and total CPU time (from /proc/stat), for load context. */
export function readMachineCpu(): { readonly busyMs: number; readonly totalMs: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? ''
  const values = line.trim().split(/\s+/).slice(1).map(Number)
  const total = values.reduce((a, b) => a + b, 0)
  // idle and iowait are fields 4 and 5 of the cpu line
  const idle = (values[3] ?? 0) + (values[4] ?? 0)
  const toMs = 1000 / ticksPerSecond()
  return { busyMs: (total - idle) * toMs, totalMs: total * toMs }
}

/**
 * The pid of the process listening on 127.0.0.1 / 0.0.0.0 `port` (the broker's JVM), or null: the
 * socket's inode from /proc/net/tcp{,6}, then the process holding that inode among /proc/<pid>/fd.
 * The broker may be shared with other users of the machine, so its CPU is context only.
 */
export function findListeningPid(port: number): number | null {
  const portHex = port.toString(16).toUpperCase().padStart(4, '0')
  const inodes = new Set<string>()
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try {
      text = readFileSync(table, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/)
      // local_address is "ADDR:PORT" (hex); state 0A is LISTEN; the inode is column 10
      if (cols[1]?.endsWith(`:${portHex}`) && cols[3] === '0A' && cols[9])
        inodes.add(`socket:[${cols[9]}]`)
    }
  }
  if (inodes.size === 0) return null
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    let fds: string[]
    try {
      fds = readdirSync(`/proc/${entry}/fd`)
    } catch {
      continue
    }
    for (const fd of fds) {
      try {
        if (inodes.has(readlinkSync(`/proc/${entry}/fd/${fd}`))) return Number(entry)
      } catch {
        // the descriptor closed while we looked
      }
    }
  }
  return null
}
