import { readMachineCpu, readProcUsage, type ProcUsage } from './proc-usage.js'

/**
 * CPU of every process in a relay run at one instant: the relay, the sandbox, the broker, this
 * bench, and the machine as a whole; two snapshots give each one's share of an interval.
 */
export interface UsageSnapshot {
  readonly relay: ProcUsage
  readonly sandbox: ProcUsage | null
  readonly broker: ProcUsage | null
  readonly machine: { readonly busyMs: number; readonly totalMs: number }
  /** This bench process (reader, probe producer). */
  readonly benchCpuMs: number
}

export function takeUsageSnapshot(pids: {
  readonly relay: number
  readonly sandbox: number
  readonly broker: number | null
}): UsageSnapshot {
  const relay = readProcUsage(pids.relay)
  if (relay === null) throw new Error('the relay process is gone')
  const bench = process.cpuUsage()
  return {
    relay,
    sandbox: readProcUsage(pids.sandbox),
    broker: pids.broker === null ? null : readProcUsage(pids.broker),
    machine: readMachineCpuSafe(),
    benchCpuMs: (bench.user + bench.system) / 1000,
  }
}

/** CPU ms a process used between two readings; null when either is missing. */
export function cpuBetween(before: ProcUsage | null, after: ProcUsage | null): number | null {
  return before === null || after === null ? null : after.cpuMs - before.cpuMs
}

/**
 * Cores busy with anything but the relay, the sandbox, the broker and this bench over the
 * interval: other tenants of the machine. Near 0 means the run had the box to itself.
 */
export function otherLoadCores(before: UsageSnapshot, after: UsageSnapshot): number | null {
  const wallMs = after.relay.at - before.relay.at
  if (wallMs <= 0 || after.machine.totalMs === 0) return null
  const ours =
    after.relay.cpuMs -
    before.relay.cpuMs +
    (cpuBetween(before.sandbox, after.sandbox) ?? 0) +
    (cpuBetween(before.broker, after.broker) ?? 0) +
    (after.benchCpuMs - before.benchCpuMs)
  return Math.max(0, after.machine.busyMs - before.machine.busyMs - ours) / wallMs
}

/** Percent of the whole machine (all cores) that was busy over the interval. */
export function machineBusyPct(before: UsageSnapshot, after: UsageSnapshot): number | null {
  const total = after.machine.totalMs - before.machine.totalMs
  return total <= 0 ? null : ((after.machine.busyMs - before.machine.busyMs) / total) * 100
}

function readMachineCpuSafe(): { busyMs: number; totalMs: number } {
  try {
    return readMachineCpu()
  } catch {
    // not Linux: machine figures are left out, the per-process ones still work
    return { busyMs: 0, totalMs: 0 }
  }
}
