import type { EndpointFaults, FaultKind, LatencySpec, SandboxFaults } from './sandbox-faults.js'

export type SandboxEndpoint = 'issue' | 'status'

export interface FaultDecision {
  /** Delay before the sandbox handles the call. */
  readonly latencyMs: number
  readonly fault: FaultKind | null
  /** For http429/http503: the Retry-After to send, in seconds. */
  readonly retryAfterSeconds: number
}

export interface FaultPlan {
  /**
   * `emailOf`: the user the call's JWT claims (unverified), for per-user latency; asked only when
   * some user has a latency of their own (decoding the token costs more than the rest of this).
   */
  decide(endpoint: SandboxEndpoint, emailOf?: () => string | null): FaultDecision
  /** Replaces every fault of both endpoints (a token bucket starts full again). */
  replace(faults: SandboxFaults): void
  current(): SandboxFaults
}

/** z-score of the 99th percentile of a normal distribution. */
const Z_99 = 2.3263

interface Bucket {
  tokens: number
  updatedMs: number
  readonly perSecond: number
  readonly burst: number
}

interface EndpointPlan {
  readonly spec: EndpointFaults
  readonly next: FaultKind[]
  readonly rates: readonly (readonly [FaultKind, number])[]
  readonly bucket: Bucket | null
  /** When the plan was compiled: throttle bursts count their period from here. */
  readonly sinceMs: number
}

/**
 * Decides, per call and before any work, what the sandbox does to it: scripted faults first, then
 * the rate limit, then a random draw over the configured rates; plus the latency to add.
 */
export function createFaultPlan(deps: {
  readonly faults: SandboxFaults
  readonly random: () => number
  readonly now: () => number
}): FaultPlan {
  let faults = deps.faults
  let anyUserLatency = Object.keys(faults.userLatency).length > 0
  let plans = compile(faults)

  function compile(f: SandboxFaults): Record<SandboxEndpoint, EndpointPlan> {
    return { issue: compileEndpoint(f.issue), status: compileEndpoint(f.status) }
  }

  function compileEndpoint(spec: EndpointFaults): EndpointPlan {
    const perSecond = spec.rateLimit?.perSecond
    return {
      spec,
      sinceMs: deps.now(),
      next: [...spec.next],
      rates: Object.entries(spec.rates).filter(
        (entry): entry is [FaultKind, number] => (entry[1] ?? 0) > 0,
      ),
      bucket:
        perSecond === undefined
          ? null
          : {
              perSecond,
              burst: spec.rateLimit?.burst ?? Math.ceil(perSecond),
              tokens: spec.rateLimit?.burst ?? Math.ceil(perSecond),
              updatedMs: deps.now(),
            },
    }
  }

  function latency(spec: LatencySpec | undefined): number {
    if (spec === undefined) return 0
    if ('fixedMs' in spec) return spec.fixedMs
    if ('uniformMs' in spec) {
      return spec.uniformMs.min + deps.random() * (spec.uniformMs.max - spec.uniformMs.min)
    }
    const { mean, p99 } = spec.normalMs
    // Box–Muller; clamped at 0 since a negative delay means none.
    const u = 1 - deps.random()
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * deps.random())
    return Math.max(0, mean + z * ((p99 - mean) / Z_99))
  }

  function spike(spec: EndpointFaults['spikes']): number {
    if (spec === undefined || deps.random() >= spec.rate) return 0
    return latency(spec.latency)
  }

  /** The Retry-After of the 429 burst under way, or null outside a burst. */
  function throttleRetryAfter(plan: EndpointPlan): number | null {
    const burst = plan.spec.throttleBursts
    if (burst === undefined) return null
    const inBurst = (deps.now() - plan.sinceMs) % burst.everyMs < burst.durationMs
    return inBurst ? burst.retryAfterSeconds : null
  }

  /** Seconds until the bucket holds a token again, or 0 when a token was taken. */
  function takeToken(bucket: Bucket): number {
    const nowMs = deps.now()
    bucket.tokens = Math.min(
      bucket.burst,
      bucket.tokens + ((nowMs - bucket.updatedMs) / 1000) * bucket.perSecond,
    )
    bucket.updatedMs = nowMs
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return 0
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / bucket.perSecond))
  }

  function draw(rates: EndpointPlan['rates']): FaultKind | null {
    if (rates.length === 0) return null
    let roll = deps.random()
    for (const [kind, rate] of rates) {
      if (roll < rate) return kind
      roll -= rate
    }
    return null
  }

  return {
    decide(endpoint, emailOf) {
      const plan = plans[endpoint]
      const email = emailOf && anyUserLatency ? emailOf() : null
      const userSpec = email ? faults.userLatency[email] : undefined
      const latencyMs = latency(plan.spec.latency) + latency(userSpec) + spike(plan.spec.spikes)
      const retryAfterSeconds = plan.spec.retryAfterSeconds
      const scripted = plan.next.shift()
      if (scripted !== undefined) return { latencyMs, fault: scripted, retryAfterSeconds }
      const throttled = throttleRetryAfter(plan)
      if (throttled !== null) return { latencyMs, fault: 'http429', retryAfterSeconds: throttled }
      if (plan.bucket !== null) {
        const wait = takeToken(plan.bucket)
        if (wait > 0) return { latencyMs, fault: 'http429', retryAfterSeconds: wait }
      }
      return { latencyMs, fault: draw(plan.rates), retryAfterSeconds }
    },
    replace(next) {
      faults = next
      anyUserLatency = Object.keys(faults.userLatency).length > 0
      plans = compile(next)
    },
    current() {
      return {
        issue: { ...faults.issue, next: [...plans.issue.next] },
        status: { ...faults.status, next: [...plans.status.next] },
        userLatency: { ...faults.userLatency },
      }
    },
  }
}
