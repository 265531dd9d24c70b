import type { SandboxProcess } from './sandbox-process.js'

/** Issue and status calls the sandbox has received, sampled twice a second: the HTTP side of the timeline. */
export interface SandboxCallSample {
  readonly at: number
  readonly issue: number
  readonly status: number
}

export interface SandboxCallsSampler {
  readonly samples: readonly SandboxCallSample[]
  stop(): Promise<void>
}

/** Often enough to see the ramp-up; stats are a structuredClone of a few counters. */
export const SANDBOX_CALLS_SAMPLE_INTERVAL_MS = 500

export function startSandboxCallsSampler(sandbox: SandboxProcess): SandboxCallsSampler {
  const samples: SandboxCallSample[] = []
  let pending: Promise<void> = Promise.resolve()
  const take = (): void => {
    pending = sandbox.stats().then(
      (stats) => {
        samples.push({ at: Date.now(), issue: stats.issue.received, status: stats.status.received })
      },
      () => undefined,
    )
  }
  take()
  const timer = setInterval(take, SANDBOX_CALLS_SAMPLE_INTERVAL_MS)
  return {
    samples,
    async stop() {
      clearInterval(timer)
      await pending
    },
  }
}
