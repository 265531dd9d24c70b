import { z } from 'zod'

/**
 * What the sandbox can do to one call instead of answering it plainly.
 * - Decided before any work (nothing applied): `http500` (MocaChain's own JSON error body),
 *   `http502` (an HTML gateway page), `http503` (a proxy's plain text, with Retry-After),
 *   `http504` (a gateway timeout page), `http408`, `http429` (with Retry-After), `reset` (the
 *   socket is destroyed), `hang` (never answered; the client's timeout must fire).
 * - After the work was done (the credential exists): `applyThen500`, `applyThenReset`,
 *   `applyThenHang`: the uncertain outcomes a client must recover from without issuing twice.
 *
 * The relay cannot tell "before" from "after" on the wire, so it reads each by what it sees
 * (moca/classify-http-failure.ts): `http408` and `http429` are refusals before any work (the next
 * attempt asks as before); every 5xx is uncertain (the next attempt asks "ignore"); `http502`,
 * `http503`, `http504`, `reset` and `hang` may still land later, so the next issue attempt also
 * waits out moca.uncertaintyWindow; `http500` and `applyThen500` carry MocaChain's own body, its
 * handler's word that its work is over, so they do not wait.
 */
export const FaultKind = {
  http500: 'http500',
  http502: 'http502',
  http503: 'http503',
  http504: 'http504',
  http408: 'http408',
  http429: 'http429',
  reset: 'reset',
  hang: 'hang',
  applyThen500: 'applyThen500',
  applyThenReset: 'applyThenReset',
  applyThenHang: 'applyThenHang',
} as const
export type FaultKind = (typeof FaultKind)[keyof typeof FaultKind]

const FaultKindName = z.enum(Object.values(FaultKind) as [FaultKind, ...FaultKind[]])

const nonNegativeMs = z.number().min(0)

/** Added before the sandbox handles a call: fixed, uniform, or normal-ish given a mean and a p99. */
export const LatencySpec = z.union([
  z.strictObject({ fixedMs: nonNegativeMs }),
  z.strictObject({
    uniformMs: z
      .strictObject({ min: nonNegativeMs, max: nonNegativeMs })
      .refine((u) => u.min <= u.max, 'uniformMs.min must not exceed uniformMs.max'),
  }),
  z.strictObject({
    normalMs: z
      .strictObject({ mean: nonNegativeMs, p99: nonNegativeMs })
      .refine((n) => n.p99 >= n.mean, 'normalMs.p99 must be at least normalMs.mean'),
  }),
])
export type LatencySpec = z.infer<typeof LatencySpec>

/** Faults of one endpoint (issue or status). */
export const EndpointFaults = z
  .strictObject({
    latency: LatencySpec.optional(),
    /** Probability of each fault per call; together at most 1. */
    rates: z.partialRecord(FaultKindName, z.number().min(0).max(1)).prefault({}),
    /** Retry-After (seconds) sent with http429 and http503. */
    retryAfterSeconds: z.number().int().min(0).default(1),
    /** A token bucket: calls beyond it get 429 with the Retry-After the bucket computes. */
    rateLimit: z
      .strictObject({
        perSecond: z.number().positive(),
        /** @default perSecond rounded up */
        burst: z.number().int().positive().optional(),
      })
      .optional(),
    /**
     * Latency spikes: with probability `rate` a call gets `latency` on top of the usual one (a
     * slow MocaChain now and then, not a slow MocaChain).
     */
    spikes: z.strictObject({ rate: z.number().min(0).max(1), latency: LatencySpec }).optional(),
    /**
     * 429 bursts: for `durationMs` of every `everyMs` (from when the faults were set), every call
     * is answered 429 with `retryAfterSeconds`; a throttled service, not a random 429 here and there.
     */
    throttleBursts: z
      .strictObject({
        everyMs: z.number().positive(),
        durationMs: nonNegativeMs,
        retryAfterSeconds: z.number().int().min(0).default(1),
      })
      .refine((b) => b.durationMs <= b.everyMs, 'throttleBursts.durationMs exceeds everyMs')
      .optional(),
    /** Scripted faults for the next calls, one per call, in order, before any random draw. */
    next: z.array(FaultKindName).default([]),
  })
  .refine(
    (f) => Object.values(f.rates).reduce((sum, rate) => sum + (rate ?? 0), 0) <= 1,
    'the fault rates of one endpoint add up to more than 1',
  )
export type EndpointFaults = z.infer<typeof EndpointFaults>

export const SandboxFaults = z.strictObject({
  issue: EndpointFaults.prefault({}),
  status: EndpointFaults.prefault({}),
  /**
   * Extra latency for every call whose partner JWT names this user (both endpoints): one slow
   * user among fast ones, to show that a slow key holds back only itself.
   */
  userLatency: z.record(z.string(), LatencySpec).default({}),
})
export type SandboxFaults = z.infer<typeof SandboxFaults>
export type SandboxFaultsInput = z.input<typeof SandboxFaults>
