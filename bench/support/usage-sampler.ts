import { readProcUsage, type ProcUsage } from './proc-usage.js'

/** Samples a process's /proc usage every second, for the per-second CPU line of the timeline. */
export interface UsageSampler {
  readonly samples: readonly ProcUsage[]
  stop(): void
}

const SAMPLE_INTERVAL_MS = 1_000

export function startUsageSampler(pid: number): UsageSampler {
  const samples: ProcUsage[] = []
  const take = (): void => {
    const usage = readProcUsage(pid)
    if (usage) samples.push(usage)
  }
  take()
  const timer = setInterval(take, SAMPLE_INTERVAL_MS)
  return {
    samples,
    stop() {
      clearInterval(timer)
      take()
    },
  }
}
