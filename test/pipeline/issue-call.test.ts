import { describe, expect, it, vi } from 'vitest'
import type { IssueResponse } from '../../src/domain/moca-api.js'
import type { ErrorClassification } from '../../src/errors/relay-error.js'
import type { LedgerPartition } from '../../src/ledger/ledger-partition.js'
import type { MocaClient } from '../../src/moca/moca-client.js'
import { createRouteCircuit, probePolicyOf } from '../../src/pipeline/circuit-breaker.js'
import type { CallOutcome } from '../../src/pipeline/issue-call.js'
import { issueCall } from '../support/issue-call-harness.js'
import { classifiedAnswer, mocaFailure } from '../support/moca-failure.js'
import { useFakeTimersFrom } from '../support/fake-timers.js'

// The default probes (config/defaults.ts): 1 s doubling to 30 s.
const probePolicy = probePolicyOf({ initialDelayMs: 1_000, maxDelayMs: 30_000 })
const failure = (code: string, classification: ErrorClassification, httpStatus: number) =>
  mocaFailure('issue', code, classification, httpStatus)

const unused = () => Promise.reject(new Error('not called here'))

describe('one issue call at the route circuit', () => {
  useFakeTimersFrom(Date.UTC(2025, 0, 1))

  it('does not count the wait at the circuit toward the deadline when the answer after it is a retryable error', async () => {
    // 32 calls in flight (issue.initialInFlight) when MocaChain starts refusing the partner JWT
    // for 20 minutes, twice the retry deadline; once it accepts again, each call meets one 503.
    const outageEnds = Date.now() + 20 * 60_000
    const answeredOnce = new Set<string>()
    const moca: MocaClient = {
      async issue(call) {
        if (Date.now() < outageEnds) throw failure('MOCA_UNAUTHORIZED', 'systemic', 401)
        if (!answeredOnce.has(call.idempotencyKey)) {
          answeredOnce.add(call.idempotencyKey)
          throw failure('MOCA_UNAVAILABLE', 'retryable', 503)
        }
        return { coreClaimHash: `hash-${call.idempotencyKey}` } as IssueResponse
      },
      status: unused,
      close: async () => undefined,
    }
    const circuit = createRouteCircuit({ route: 'kyc', probePolicy, onChange: () => undefined })
    const running = new AbortController().signal
    const calls: Promise<CallOutcome>[] = Array.from({ length: 32 }, (_, i) =>
      issueCall(moca, circuit, running, i),
    )
    await vi.advanceTimersByTimeAsync(30 * 60_000)
    const outcomes = await Promise.all(calls)

    // "systemic errors never turn into credential.failed"
    expect(outcomes.filter((o) => o.kind !== 'issued')).toEqual([])
    expect(circuit.snapshot.state).toBe('closed')
  })

  it('keeps the circuit open when the probe call is cancelled: the calls waiting behind it are not released onto a refusing MocaChain', async () => {
    const circuit = createRouteCircuit({ route: 'kyc', probePolicy, onChange: () => undefined })
    ;(await circuit.acquire()).rejected(failure('MOCA_UNAUTHORIZED', 'systemic', 401))
    const calls: string[] = []
    const moca: MocaClient = {
      // still refusing, slowly: the probe is still out when its partition is revoked
      issue: (call, options) => {
        calls.push(call.idempotencyKey)
        return new Promise((_, reject) => {
          const refuse = setTimeout(
            () => reject(failure('MOCA_UNAUTHORIZED', 'systemic', 401)),
            5_000,
          )
          options?.signal?.addEventListener('abort', () => {
            clearTimeout(refuse)
            reject(new Error('aborted'))
          })
        })
      },
      status: unused,
      close: async () => undefined,
    }
    const revoked = new AbortController()
    const probe = issueCall(moca, circuit, revoked.signal, 1)
    await vi.advanceTimersByTimeAsync(0)
    const running = new AbortController()
    const others = [2, 3, 4].map((i) => issueCall(moca, circuit, running.signal, i))
    await vi.advanceTimersByTimeAsync(1_000)
    expect(calls).toEqual(['key-1'])

    revoked.abort(new Error('partition revoked'))
    expect((await probe).kind).toBe('abandoned')
    await vi.advanceTimersByTimeAsync(0)

    // the oldest waiting call is the probe now, and only it
    expect(calls).toEqual(['key-1', 'key-2'])
    expect(circuit.snapshot.state).not.toBe('closed')
    running.abort(new Error('stopping'))
    await Promise.all(others)
  })

  it('recovers a reissue\'s interrupted intent by issuing again when "ignore" returns the credential it replaces', async () => {
    // one credential per user + program, as MocaChain keeps them: "ignore" returns it, "revoke"
    // replaces it
    let credential = 'hash-generation-0'
    const asked: string[] = []
    const moca: MocaClient = {
      async issue(call) {
        asked.push(call.onDuplicate)
        if (call.onDuplicate === 'revoke') credential = `hash-of-${call.idempotencyKey}`
        return { coreClaimHash: credential } as IssueResponse
      },
      status: unused,
      close: async () => undefined,
    }
    const circuit = createRouteCircuit({ route: 'kyc', probePolicy, onChange: () => undefined })
    const running = new AbortController().signal
    // a resumed reissue run finds generation 1's intent, which names the credential it replaces
    const call = issueCall(moca, circuit, running, 1, {
      generation: 1,
      recover: true,
      replaces: 'hash-generation-0',
    })
    await vi.advanceTimersByTimeAsync(5_000)
    const outcome = await call
    expect(asked).toEqual(['ignore', 'revoke'])
    expect(outcome).toMatchObject({
      kind: 'issued',
      response: { coreClaimHash: 'hash-of-key-1.g1' },
    })
  })
})

/**
 * MocaChain as it keeps credentials: one per user + program; "ignore" returns the one it holds
 * (or issues one), "revoke" replaces it. Its first call is answered by a gateway in front of it,
 * through the real classifier, while MocaChain goes on and applies that call 10 s later.
 */
function mocaBehindGateway(
  gateway: { status: number; body: string; retryAfter?: string },
  held: string | undefined,
) {
  const chain = { held, actedRevokes: [] as string[] }
  let issued = 0
  const apply = (onDuplicate: string): string => {
    if (onDuplicate === 'ignore' && chain.held !== undefined) return chain.held
    chain.held = `hash-${++issued}`
    if (onDuplicate === 'revoke') chain.actedRevokes.push(chain.held)
    return chain.held
  }
  let calls = 0
  const moca: MocaClient = {
    async issue(call) {
      calls += 1
      if (calls === 1) {
        setTimeout(() => apply(call.onDuplicate), 10_000)
        throw classifiedAnswer('issue', gateway)
      }
      return { coreClaimHash: apply(call.onDuplicate) } as IssueResponse
    },
    status: unused,
    close: async () => undefined,
  }
  return { moca, chain }
}

const GATEWAY_ANSWERS = [
  [
    'a 504 gateway timeout page',
    { status: 504, body: '<html><title>504 Gateway Time-out</title></html>' },
  ],
  ['a 502 bad gateway page', { status: 502, body: '<html><title>502 Bad Gateway</title></html>' }],
  ["a CDN's empty 524", { status: 524, body: '' }],
  ["a 500 that is not MocaChain's error body", { status: 500, body: 'Internal Server Error' }],
  [
    // Envoy answers this after it forwarded the request: not a refusal before any work
    "a proxy's 503 with Retry-After",
    {
      status: 503,
      body: 'upstream connect error or disconnect/reset before headers. reset reason: connection termination',
      retryAfter: '3',
    },
  ],
] as const

describe('an issue call a gateway answered while MocaChain still works on it', () => {
  useFakeTimersFrom(Date.UTC(2025, 0, 1))

  // Was: only a call that got no answer at all waited the uncertainty window; after a gateway's
  // 5xx the "ignore" retry went out at once, found the user's previous credential (the first
  // call had not landed yet), concluded the call never took effect and sent "revoke" again:
  // MocaChain acted on two revokes for one key (invariant 2).
  it.each(GATEWAY_ANSWERS)(
    'after %s on a reissue, MocaChain acts on one "revoke" only',
    async (_name, gateway) => {
      const { moca, chain } = mocaBehindGateway(gateway, 'hash-previous')
      // this relay issued the user's previous credential under another key
      const ledger = {
        latestIssued: () => ({ key: 'key-old', coreClaimHash: 'hash-previous', at: 0 }),
      } as unknown as LedgerPartition
      const circuit = createRouteCircuit({ route: 'kyc', probePolicy, onChange: () => undefined })
      const call = issueCall(moca, circuit, new AbortController().signal, 1, {}, { ledger })
      await vi.advanceTimersByTimeAsync(120_000)
      const outcome = await call

      expect(chain.actedRevokes).toHaveLength(1)
      expect(outcome).toMatchObject({ kind: 'issued', response: { coreClaimHash: chain.held } })
    },
  )

  // Was: on a first issuance the early "ignore" issued a credential, then the late "revoke"
  // revoked it; the relay published the revoked credential.
  it.each(GATEWAY_ANSWERS)(
    'after %s on a first issuance, the relay reports the credential MocaChain holds',
    async (_name, gateway) => {
      const { moca, chain } = mocaBehindGateway(gateway, undefined)
      const circuit = createRouteCircuit({ route: 'kyc', probePolicy, onChange: () => undefined })
      const call = issueCall(moca, circuit, new AbortController().signal, 1)
      await vi.advanceTimersByTimeAsync(120_000)
      const outcome = await call

      expect(chain.actedRevokes).toHaveLength(1)
      expect(outcome).toMatchObject({ kind: 'issued', response: { coreClaimHash: chain.held } })
    },
  )
})

describe('an issue call to a base URL that moved', () => {
  useFakeTimersFrom(Date.UTC(2025, 0, 1))

  // Was: a redirect was MOCA_UNEXPECTED_RESPONSE, terminal: every event of the route became
  // credential.failed while the base URL pointed at the old host.
  it('opens the route circuit, saying where MocaChain went; the event is issued once the base URL answers again', async () => {
    let moved = true
    const moca: MocaClient = {
      async issue(call) {
        if (moved) {
          throw classifiedAnswer('issue', {
            status: 308,
            location: 'https://mocachain-mainnet.api.air3.com/v1/credentials/issue-on-behalf',
          })
        }
        return { coreClaimHash: `hash-of-${call.idempotencyKey}` } as IssueResponse
      },
      status: unused,
      close: async () => undefined,
    }
    const circuit = createRouteCircuit({ route: 'kyc', probePolicy, onChange: () => undefined })
    const call = issueCall(moca, circuit, new AbortController().signal, 1)
    await vi.advanceTimersByTimeAsync(60_000)

    expect(circuit.snapshot.state).not.toBe('closed')
    expect(circuit.snapshot.reason?.code).toBe('MOCA_REDIRECTED')
    expect(circuit.snapshot.reason?.message).toContain(
      'https://mocachain-mainnet.api.air3.com/v1/credentials/issue-on-behalf',
    )
    expect(circuit.snapshot.reason?.message).toContain('MOCA_BASE_URL')

    // the operator points moca.baseUrl at the new host (here: the old one answers again)
    moved = false
    await vi.advanceTimersByTimeAsync(60_000)
    expect(await call).toMatchObject({ kind: 'issued', onDuplicate: 'revoke' })
    expect(circuit.snapshot.state).toBe('closed')
  })
})
