import { readProcUsage, type ProcUsage } from './proc-usage.js'

/**
 * Samples a process's /proc usage four times a second: for the per-second CPU line of the
 * timeline, and for the steady-state CPU figure, whose window a fast run makes short (≈ 4 s for
 * 16,000 events at 4,000/s) and whose edges must fall near a sample.
 */
export interface UsageSampler {
  readonly samples: readonly ProcUsage[]
  stop(): void
}

export const USAGE_SAMPLE_INTERVAL_MS = 250

export function startUsageSampler(pid: number): UsageSampler {
  const samples: ProcUsage[] = []
  const take = (): void => {
    const usage = readProcUsage(pid)
    if (usage) samples.push(usage)
  }
  take()
  const timer = setInterval(take, USAGE_SAMPLE_INTERVAL_MS)
  return {
    samples,
    stop() {
      clearInterval(timer)
      take()
    },
  }
}
