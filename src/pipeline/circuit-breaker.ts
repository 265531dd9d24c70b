import type { RelayError } from '../errors/relay-error.js'
import { maskEmailsIn } from '../domain/mask-email.js'
import { compileRetryPolicy, nextRetry, type RetryPolicy } from '../domain/retry-policy.js'
import { createSilentLogger, type Logger } from '../ops/logger.js'

export const CircuitState = { closed: 'closed', open: 'open', halfOpen: 'half-open' } as const
export type CircuitState = (typeof CircuitState)[keyof typeof CircuitState]

/**
 * Whether a route's topics are paused in this state: only while open. Half-open reads them again,
 * so that a call comes along to be the probe even when every call that waited at the circuit is
 * gone (their partition was revoked).
 */
export function pausesTopics(state: CircuitState): boolean {
  return state === CircuitState.open
}

export interface CircuitSnapshot {
  readonly route: string
  readonly state: CircuitState
  /** When the circuit last opened, epoch ms; null when closed. */
  readonly since: number | null
  readonly reason: { readonly code: string; readonly message: string } | null
}

/** Permission to call MocaChain. Report the outcome exactly once. */
export interface CallPermit {
  /** MocaChain accepted the call's credentials (any answer but a systemic error). */
  accepted(): void
  /** MocaChain answered with a systemic error (401, 403, 404 on the program). */
  rejected(error: RelayError): void
  /**
   * The call got no answer to judge by: it was cancelled (the partition went away, the relay
   * stops) or failed in the relay before it was sent. A probe's turn passes on; nothing changes.
   */
  unanswered(): void
}

export interface RouteCircuit {
  readonly snapshot: CircuitSnapshot
  /**
   * Resolves when this caller may call: at once while closed; while open, one caller at a time is
   * let through as the probe when the probe delay has passed, the others wait for the circuit to
   * close. Rejects with the signal's reason on abort.
   */
  acquire(signal?: AbortSignal): Promise<CallPermit>
}

/**
 * The circuit's permit, or null when `signal` ended the wait: the caller then abandons its call
 * (the relay is stopping or the partition was taken away).
 */
export async function permitUnlessStopped(
  circuit: RouteCircuit,
  signal: AbortSignal,
): Promise<CallPermit | null> {
  try {
    return await circuit.acquire(signal)
  } catch {
    return null
  }
}

/** The probe schedule of a circuit: `initialDelayMs`, doubling up to `maxDelayMs`, no deadline. */
export function probePolicyOf(delays: {
  readonly initialDelayMs: number
  readonly maxDelayMs: number
}): RetryPolicy {
  return compileRetryPolicy({
    ...delays,
    multiplier: 2,
    deadlineMs: Number.POSITIVE_INFINITY,
    jitter: 'none',
    maxRetryAfterMs: 0,
  })
}

export interface RouteCircuitDeps {
  readonly route: string
  /** Probe schedule: initial delay, doubling, capped; no deadline (it probes until it recovers). */
  readonly probePolicy: RetryPolicy
  readonly onChange: (snapshot: CircuitSnapshot) => void
  /**
   * Where the circuit tells its transitions, once each: every call in flight when MocaChain
   * starts refusing is refused too, so the calls cannot be the ones to say it. @default silent
   */
  readonly logger?: Logger
  readonly now?: () => number
}

/**
 * A circuit breaker per route for systemic errors (invariant 6): a 401 storm must pause the route,
 * not turn every event into a failure. Half-open lets exactly one real call through as the probe;
 * its outcome closes or re-opens the circuit.
 */
export function createRouteCircuit(deps: RouteCircuitDeps): RouteCircuit {
  const now = deps.now ?? Date.now
  const log = deps.logger ?? createSilentLogger()
  let state: CircuitState = CircuitState.closed
  let since: number | null = null
  let reason: CircuitSnapshot['reason'] = null
  let failures = 0
  let probeAt = 0
  let probeTimer: NodeJS.Timeout | null = null
  /** A probe call is out: everyone else waits for its outcome. */
  let probing = false
  /** Callers waiting while the circuit is not closed, in arrival order. */
  const waiters: {
    grant: (permit: CallPermit) => void
    fail: (err: unknown) => void
    signal?: AbortSignal
    onAbort?: () => void
  }[] = []

  const snapshot = (): CircuitSnapshot => ({ route: deps.route, state, since, reason })
  const setState = (next: CircuitState): void => {
    if (next === state) return
    state = next
    deps.onChange(snapshot())
  }

  const closedPermit: CallPermit = {
    accepted: () => undefined,
    unanswered: () => undefined,
    rejected(error) {
      // Calls let through before the circuit opened answer late; they are one episode, not many.
      if (state === CircuitState.closed) open(error)
    },
  }

  const open = (error: RelayError): void => {
    failures++
    // The reason reaches logs and /readyz; MocaChain's message can quote the user's email.
    reason = { code: error.code, message: maskEmailsIn(error.message) }
    if (state === CircuitState.closed) since = now()
    const decision = nextRetry(deps.probePolicy, {
      attempts: failures,
      startedAt: since ?? now(),
      now: now(),
    })
    const probeInMs = decision.kind === 'retry' ? decision.delayMs : deps.probePolicy.maxDelayMs
    probeAt = now() + probeInMs
    if (state === CircuitState.closed) {
      log.warn(
        { route: deps.route, err: reason, probeInMs },
        'MocaChain refused the route: its circuit opens, its topics pause until a probe call is accepted',
      )
    } else {
      log.info(
        { route: deps.route, err: reason, probeInMs },
        'MocaChain refused the probe call: the route circuit stays open',
      )
    }
    if (state !== CircuitState.open) setState(CircuitState.open)
    else deps.onChange(snapshot())
    scheduleProbe()
  }

  const close = (): void => {
    if (state !== CircuitState.closed) {
      log.info(
        { route: deps.route, openForMs: since === null ? null : now() - since },
        'MocaChain accepted the probe call: the route circuit closes, its topics resume',
      )
    }
    failures = 0
    since = null
    reason = null
    if (probeTimer) clearTimeout(probeTimer)
    probeTimer = null
    setState(CircuitState.closed)
    const released = waiters.splice(0)
    for (const waiter of released) {
      detach(waiter)
      waiter.grant(closedPermit)
    }
  }

  const probePermit = (): CallPermit => {
    probing = true
    let settled = false
    return {
      accepted() {
        if (settled) return
        settled = true
        probing = false
        close()
      },
      rejected(error) {
        if (settled) return
        settled = true
        probing = false
        open(error)
      },
      unanswered() {
        if (settled) return
        settled = true
        probing = false
        passProbe()
      },
    }
  }

  /** Half-open: the oldest waiting caller becomes the probe; with none, the next caller will. */
  const passProbe = (): void => {
    const waiter = waiters.shift()
    if (!waiter) return
    detach(waiter)
    waiter.grant(probePermit())
  }

  const scheduleProbe = (): void => {
    if (probeTimer) clearTimeout(probeTimer)
    probeTimer = setTimeout(
      () => {
        probeTimer = null
        log.debug({ route: deps.route }, 'route circuit half-open: the next call probes MocaChain')
        setState(CircuitState.halfOpen)
        passProbe()
      },
      Math.max(0, probeAt - now()),
    )
  }

  const detach = (waiter: (typeof waiters)[number]): void => {
    if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort)
  }

  return {
    get snapshot() {
      return snapshot()
    },
    acquire(signal) {
      if (state === CircuitState.closed) return Promise.resolve(closedPermit)
      if (state === CircuitState.halfOpen && !probing) {
        // The probe time came while nobody waited: this caller is the probe.
        return Promise.resolve(probePermit())
      }
      return new Promise<CallPermit>((grant, fail) => {
        const waiter: (typeof waiters)[number] = { grant, fail }
        if (signal) {
          if (signal.aborted) return fail(signal.reason)
          waiter.signal = signal
          waiter.onAbort = () => {
            const index = waiters.indexOf(waiter)
            if (index >= 0) waiters.splice(index, 1)
            fail(signal.reason)
          }
          signal.addEventListener('abort', waiter.onAbort, { once: true })
        }
        waiters.push(waiter)
      })
    },
  }
}
