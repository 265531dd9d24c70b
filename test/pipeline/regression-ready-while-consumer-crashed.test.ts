import { afterEach, describe, expect, it, vi } from 'vitest'
import { stageReadinessReasons } from '../../src/pipeline/stage-readiness.js'
import { runnerHarness } from '../support/stage-runner-harness.js'

/**
 * Was: once its consumer had joined the group, a stage counted as joined for good. When Kafka
 * went away, kafkajs's consumer crashed ("consumer crashed", restart: true) and kept trying to
 * join again, while /readyz answered 200 {"ready":true,"reasons":[]} the whole time, though the
 * README promises 200 only when Kafka is reachable.
 */

const IN = 'orders'
const LEDGER = 'relay.issue-ledger'

/** What kafkajs crashes with when every broker refuses connections. */
const brokerDown = Object.assign(
  new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'),
  { name: 'KafkaJSNumberOfRetriesExceeded' },
)

describe('a stage whose consumer crashed', () => {
  it('is not ready, and says why, until its consumer joins the group again', async () => {
    const h = runnerHarness({ input: IN, ledger: LEDGER })
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.settle()
    expect(stageReadinessReasons('issue', h.runner)).toEqual([])
    expect(h.runner.ready).toBe(true)

    h.crash(brokerDown)
    expect(h.runner.ready).toBe(false)
    expect(stageReadinessReasons('issue', h.runner)).toEqual([
      'issue stage lost its consumer group (KafkaJSNumberOfRetriesExceeded Connection error: connect ECONNREFUSED 127.0.0.1:9092); joining it again (is Kafka reachable?)',
    ])

    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.settle()
    expect(stageReadinessReasons('issue', h.runner)).toEqual([])
    expect(h.runner.ready).toBe(true)
  })

  it('is not ready after its consumer stopped or disconnected without a crash', async () => {
    const h = runnerHarness({ input: IN, ledger: LEDGER })
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.settle()

    await h.runner.stop()
    expect(h.runner.ready).toBe(false)
    expect(stageReadinessReasons('issue', h.runner)).toEqual([
      'issue stage has not joined its consumer group yet (is Kafka reachable?)',
    ])
  })
})

describe('a stage whose consumer Kafka stopped answering', () => {
  // Was (seen in CI): with its broker gone, kafkajs kept retrying the consumer's requests for
  // more than two minutes before it crashed, and /readyz stayed 200 all that time.
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('is not ready once nothing answered for longer than the session timeout, and ready when Kafka answers again', async () => {
    const h = runnerHarness({ input: IN, ledger: LEDGER })
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.settle()
    h.heartbeat()
    expect(h.runner.ready).toBe(true)

    const now = Date.now()
    // the harness's session timeout is 6 s
    vi.spyOn(Date, 'now').mockReturnValue(now + 5_000)
    expect(stageReadinessReasons('issue', h.runner)).toEqual([])
    vi.spyOn(Date, 'now').mockReturnValue(now + 7_000)
    expect(h.runner.ready).toBe(false)
    expect(stageReadinessReasons('issue', h.runner)).toEqual([
      'issue stage has had no answer from Kafka for 7 s, longer than its session timeout (is Kafka reachable?)',
    ])

    h.heartbeat()
    expect(stageReadinessReasons('issue', h.runner)).toEqual([])
    expect(h.runner.ready).toBe(true)
  })
})
