import { afterEach, describe, expect, it, vi } from 'vitest'
import { RelayError } from '../../src/errors/relay-error.js'
import {
  createRouteCircuit,
  pausesTopics,
  permitUnlessStopped,
  probePolicyOf,
  type CircuitSnapshot,
} from '../../src/pipeline/circuit-breaker.js'

const unauthorized = new RelayError('MOCA_UNAUTHORIZED', 'MocaChain rejected the partner JWT', {
  classification: 'systemic',
})
const probePolicy = probePolicyOf({ initialDelayMs: 1000, maxDelayMs: 30_000 })

/** A circuit on fake timers whose changes nobody watches. */
function quietCircuit() {
  vi.useFakeTimers()
  return createRouteCircuit({ route: 'kyc', probePolicy, onChange: () => undefined })
}

/** Opened by a refusal, and its first probe refused too: the next probe is 2 s away. */
async function refusedTwice() {
  const circuit = quietCircuit()
  ;(await circuit.acquire()).rejected(unauthorized)
  const probe1 = circuit.acquire()
  await vi.advanceTimersByTimeAsync(1000)
  ;(await probe1).rejected(unauthorized)
  return circuit
}

describe('createRouteCircuit', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('keeps the reason it opened for without the email a MocaChain message quotes', async () => {
    const circuit = quietCircuit()
    ;(await circuit.acquire()).rejected(
      new RelayError('MOCA_FORBIDDEN', 'MocaChain: issuer not allowed for john.smith@example.com', {
        classification: 'systemic',
      }),
    )
    expect(circuit.snapshot.reason).toEqual({
      code: 'MOCA_FORBIDDEN',
      message: 'MocaChain: issuer not allowed for j***@example.com',
    })
  })

  it('opens on a systemic error, lets one probe through after the delay, and closes when it is accepted', async () => {
    vi.useFakeTimers()
    const changes: CircuitSnapshot[] = []
    const circuit = createRouteCircuit({
      route: 'kyc',
      probePolicy,
      onChange: (s) => changes.push(s),
    })
    const first = await circuit.acquire()
    first.rejected(unauthorized)
    expect(circuit.snapshot.state).toBe('open')
    expect(circuit.snapshot.reason?.code).toBe('MOCA_UNAUTHORIZED')

    const granted: string[] = []
    const a = circuit.acquire().then((permit) => (granted.push('a'), permit))
    const b = circuit.acquire().then((permit) => (granted.push('b'), permit))
    await vi.advanceTimersByTimeAsync(999)
    expect(granted).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    // Only the probe goes; b waits for its outcome.
    expect(granted).toEqual(['a'])
    expect(circuit.snapshot.state).toBe('half-open')
    ;(await a).accepted()
    await b
    expect(granted).toEqual(['a', 'b'])
    expect(circuit.snapshot.state).toBe('closed')
    expect(changes.map((c) => c.state)).toEqual(['open', 'half-open', 'closed'])
  })

  it('backs off between probes while MocaChain keeps refusing', async () => {
    const circuit = await refusedTwice()
    let second = false
    const probe2 = circuit.acquire().then((p) => ((second = true), p))
    await vi.advanceTimersByTimeAsync(1999)
    expect(second).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(second).toBe(true)
    ;(await probe2).accepted()
    expect(circuit.snapshot.state).toBe('closed')
  })

  it('treats late rejections of calls let through before it opened as one episode', async () => {
    const circuit = quietCircuit()
    const permits = await Promise.all([circuit.acquire(), circuit.acquire(), circuit.acquire()])
    for (const permit of permits) permit.rejected(unauthorized)
    let granted = false
    void circuit.acquire().then(() => (granted = true))
    // Three rejections did not escalate the probe delay to 4 s.
    await vi.advanceTimersByTimeAsync(1000)
    expect(granted).toBe(true)
  })

  it('lets exactly one probe through when the probe time comes while nobody waits, and releases every waiter once it is accepted', async () => {
    const circuit = quietCircuit()
    ;(await circuit.acquire()).rejected(unauthorized)
    await vi.advanceTimersByTimeAsync(1000)
    // Nobody waited at the probe time: the next caller is the probe, and only that one.
    const probe = await circuit.acquire()
    const granted: string[] = []
    const others = ['a', 'b', 'c'].map((name) =>
      circuit.acquire().then(() => void granted.push(name)),
    )
    await vi.advanceTimersByTimeAsync(60_000)
    expect(granted).toEqual([])
    probe.accepted()
    await Promise.all(others)
    expect(granted).toEqual(['a', 'b', 'c'])
    expect(circuit.snapshot.state).toBe('closed')
  })

  it('starts a new outage after a recovery at the first probe delay again', async () => {
    const circuit = await refusedTwice()
    const probe2 = circuit.acquire()
    await vi.advanceTimersByTimeAsync(2000)
    ;(await probe2).accepted()
    expect(circuit.snapshot.state).toBe('closed')

    ;(await circuit.acquire()).rejected(unauthorized)
    let probed = false
    void circuit.acquire().then(() => (probed = true))
    await vi.advanceTimersByTimeAsync(1000)
    expect(probed).toBe(true)
  })

  it('stops waiting when the caller aborts', async () => {
    const circuit = quietCircuit()
    ;(await circuit.acquire()).rejected(unauthorized)
    const controller = new AbortController()
    const waiting = circuit.acquire(controller.signal)
    controller.abort(new Error('stopping'))
    await expect(waiting).rejects.toThrow('stopping')
  })

  it('permitUnlessStopped: a permit while closed, null once the wait at an open circuit is stopped', async () => {
    const circuit = quietCircuit()
    const controller = new AbortController()
    const permit = await permitUnlessStopped(circuit, controller.signal)
    expect(permit).not.toBeNull()
    permit?.rejected(unauthorized)
    const waiting = permitUnlessStopped(circuit, controller.signal)
    controller.abort(new Error('stopping'))
    await expect(waiting).resolves.toBeNull()
  })

  it('passes the turn of a probe that got no answer (cancelled) to the oldest waiting call, and releases nobody else', async () => {
    const circuit = quietCircuit()
    ;(await circuit.acquire()).rejected(unauthorized)
    const granted: string[] = []
    const waiting = ['a', 'b', 'c'].map((name) =>
      circuit.acquire().then((permit) => {
        granted.push(name)
        return permit
      }),
    )
    await vi.advanceTimersByTimeAsync(1000)
    expect(granted).toEqual(['a'])
    ;(await waiting[0])?.unanswered()
    await vi.advanceTimersByTimeAsync(0)
    // b is the probe now; c still waits for its verdict
    expect(granted).toEqual(['a', 'b'])
    expect(circuit.snapshot.state).toBe('half-open')
    ;(await waiting[1])?.accepted()
    await vi.advanceTimersByTimeAsync(0)
    expect(granted).toEqual(['a', 'b', 'c'])
    expect(circuit.snapshot.state).toBe('closed')
  })

  it('reads the route again when the probe time comes after every waiting call was stopped, so a new call can be the probe', async () => {
    vi.useFakeTimers()
    // the relay pauses a route's topics by pausesTopics(state): a paused route sends no call
    let paused = false
    const circuit = createRouteCircuit({
      route: 'kyc',
      probePolicy,
      onChange: (snapshot) => (paused = pausesTopics(snapshot.state)),
    })
    ;(await circuit.acquire()).rejected(unauthorized)
    expect(paused).toBe(true)
    // the only waiting call's partition is revoked before the probe time
    const stopping = new AbortController()
    const waiting = permitUnlessStopped(circuit, stopping.signal)
    stopping.abort(new Error('partition revoked'))
    expect(await waiting).toBeNull()

    await vi.advanceTimersByTimeAsync(60_000)
    expect(paused).toBe(false)
    ;(await circuit.acquire()).accepted()
    expect(circuit.snapshot.state).toBe('closed')
    expect(vi.getTimerCount()).toBe(0)
  })
})
