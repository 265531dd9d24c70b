import { afterEach, describe, expect, it, vi } from 'vitest'
import { mayRejoin } from '../../src/pipeline/stage-runner.js'
import { stageReadinessReasons } from '../../src/pipeline/stage-readiness.js'
import { runnerHarness } from '../support/stage-runner-harness.js'

/**
 * Was (seen in CI): with the broker gone longer than kafkajs's retries, kafkajs's own restart of
 * the crashed consumer failed its coordinator lookup with KafkaJSGroupCoordinatorNotFound, which
 * kafkajs counts as final. The stage then never joined its group again: `moca-relay run` exited 1
 * ("the Kafka consumer crashed and could not restart"), and inside a test the failure surfaced as
 * an unhandled rejection from kafkajs's restart timer while /readyz stayed 503 for good after the
 * broker came back.
 */

const IN = 'orders'
const LEDGER = 'relay.issue-ledger'

/** What kafkajs's coordinator lookup throws once no broker answers. */
const noCoordinator = Object.assign(new Error('Failed to find group coordinator'), {
  name: 'KafkaJSGroupCoordinatorNotFound',
  retriable: false,
})

/** What the broker answers a consumer whose principal may not read the group. */
const groupRefused = Object.assign(new Error('Not authorized to access group'), {
  name: 'KafkaJSNonRetriableError',
  retriable: false,
  cause: Object.assign(new Error('Not authorized to access group'), {
    name: 'KafkaJSProtocolError',
    type: 'GROUP_AUTHORIZATION_FAILED',
    retriable: false,
  }),
})

/** Longer than any wait before joining again (30 s at most). */
const AFTER_ANY_WAIT_MS = 31_000

afterEach(() => {
  vi.useRealTimers()
})

async function joinedStage(onCrash: (err: unknown) => void = () => undefined) {
  const h = runnerHarness({ input: IN, ledger: LEDGER, deps: { onCrash } })
  await h.runner.start()
  h.join({ [IN]: [0], [LEDGER]: [0] })
  await h.settle()
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
  return h
}

describe('a stage whose consumer crashed because Kafka was out of reach', () => {
  it('runs its consumer again, crash after crash, and is ready once it joins', async () => {
    const crashes: unknown[] = []
    const h = await joinedStage((err) => crashes.push(err))
    expect(h.runs).toBe(1)

    for (let attempt = 2; attempt <= 6; attempt++) {
      h.crash(noCoordinator, false)
      vi.advanceTimersByTime(AFTER_ANY_WAIT_MS)
      await h.flush()
      expect(h.runs).toBe(attempt)
      expect(stageReadinessReasons('issue', h.runner)).toEqual([
        'issue stage lost its consumer group (KafkaJSGroupCoordinatorNotFound Failed to find group coordinator); joining it again (is Kafka reachable?)',
      ])
    }
    expect(crashes).toEqual([])

    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.flush()
    expect(stageReadinessReasons('issue', h.runner)).toEqual([])
  })

  it('does not run its consumer again once it is stopping', async () => {
    const h = await joinedStage()
    h.crash(noCoordinator, false)
    const stopped = h.runner.stop()
    vi.advanceTimersByTime(AFTER_ANY_WAIT_MS)
    await h.flush()
    vi.useRealTimers()
    await stopped
    expect(h.runs).toBe(1)
  })
})

describe('a stage whose consumer crashed on a refusal', () => {
  it('reports the crash for the process to exit, and does not join again', async () => {
    const crashes: unknown[] = []
    const h = await joinedStage((err) => crashes.push(err))
    h.crash(groupRefused, false)
    vi.advanceTimersByTime(AFTER_ANY_WAIT_MS)
    await h.flush()
    expect(crashes).toEqual([groupRefused])
    expect(h.runs).toBe(1)
  })
})

describe('mayRejoin', () => {
  it('is true for Kafka out of reach and for what kafkajs itself restarts, false for refusals', () => {
    const retriesExceeded = Object.assign(new Error('Connection error: connect ECONNREFUSED'), {
      name: 'KafkaJSNumberOfRetriesExceeded',
    })
    const retriableCause = Object.assign(new Error('rebalance'), {
      name: 'KafkaJSNonRetriableError',
      cause: Object.assign(new Error('The coordinator is loading'), { retriable: true }),
    })
    const badSession = Object.assign(new Error('The session timeout is not within the range'), {
      name: 'KafkaJSNonRetriableError',
      cause: Object.assign(new Error('invalid session timeout'), {
        type: 'INVALID_SESSION_TIMEOUT',
        retriable: false,
      }),
    })
    const sasl = Object.assign(new Error('SASL PLAIN authentication failed'), {
      name: 'KafkaJSSASLAuthenticationError',
    })
    expect(mayRejoin(noCoordinator)).toBe(true)
    expect(mayRejoin(retriesExceeded)).toBe(true)
    expect(mayRejoin(retriableCause)).toBe(true)
    expect(mayRejoin(groupRefused)).toBe(false)
    expect(mayRejoin(badSession)).toBe(false)
    expect(mayRejoin(sasl)).toBe(false)
  })
})
