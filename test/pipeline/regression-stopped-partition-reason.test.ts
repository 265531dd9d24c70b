import { describe, expect, it } from 'vitest'
import { RelayError } from '../../src/errors/relay-error.js'
import { onTaskError, type PartitionContext } from '../../src/pipeline/partition-worker.js'
import { stageReadinessReasons } from '../../src/pipeline/stage-readiness.js'
import type { StageRunnerDeps } from '../../src/pipeline/stage-runner.js'
import { captureLogs } from '../support/capture-logs.js'
import { runnerHarness } from '../support/stage-runner-harness.js'

/**
 * Was: a partition a stage stopped with a systemic error (ctx.fail: a confirm request written by
 * a newer relay, an output event its registered schema refuses) was logged as "transaction
 * failed; rebuilding the partition from its last commit", though no transaction had failed, and
 * while it waited to be rebuilt, again and again, /readyz said "confirm stage is restoring its
 * ledger". Neither told the operator what stopped the partition.
 */

const IN = 'relay.confirm-queue'
const LEDGER = 'relay.confirm-ledger'

const newerVersion = new RelayError(
  'CONFIRM_REQUEST_NEWER_VERSION',
  'relay.confirm-queue/0@1 is a confirm request v2, written by a newer relay; this relay reads v1',
  { classification: 'systemic' },
)

/** A confirm runner whose stage stages every record but fails the partition at key `newer`. */
function confirmRunner(deps: Partial<StageRunnerDeps> = {}) {
  const logs = captureLogs()
  const h = runnerHarness({
    input: IN,
    ledger: LEDGER,
    stage: 'confirm',
    deps: {
      logger: logs.logger,
      createProcessor: (ctx: PartitionContext) => ({
        process: (record, slot) => {
          if (record.key?.toString() === 'newer') return ctx.fail(newerVersion, record.offset)
          if (record.key?.toString() === 'bug') {
            return onTaskError(ctx, new TypeError('x is undefined'), Number(record.offset))
          }
          void ctx.batcher.stage([{ topic: 'credential.onchain', key: null, value: null }], slot)
        },
        whenIdle: async () => undefined,
      }),
      ...deps,
    },
  })
  const rebuildLines = () =>
    logs.lines.filter((l) => /rebuild/.test(String(l.msg))).map((l) => String(l.msg))
  return { h, logs, rebuildLines }
}

describe('a partition its stage stopped', () => {
  it('is logged as stopped by the error, not as a failed transaction', async () => {
    const { h, logs, rebuildLines } = confirmRunner()
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.settle()

    await h.inputBatch(0, [
      { offset: 0, key: 'ok', value: Buffer.from('{}') },
      { offset: 1, key: 'newer', value: Buffer.from('{}') },
    ])
    await h.settle(30)
    // rebuilt at once, reads the record again, and stops at it again: this time it waits 1 s
    await h.inputBatch(0, [{ offset: 1, key: 'newer', value: Buffer.from('{}') }])
    await h.settle(30)

    expect(rebuildLines()).toEqual([
      'partition stopped: CONFIRM_REQUEST_NEWER_VERSION; rebuilding it from its last commit at once',
      'partition stopped: CONFIRM_REQUEST_NEWER_VERSION; rebuilding it from its last commit in 1 s',
    ])
    const line = logs.lines.find((l) => /^partition stopped/.test(String(l.msg)))
    expect(line).toMatchObject({
      level: 'error',
      topic: IN,
      partition: 0,
      offset: '1',
      failures: 1,
      rebuildInMs: 0,
      err: { code: 'CONFIRM_REQUEST_NEWER_VERSION', message: newerVersion.message },
    })
    await h.runner.stop()
  })

  it('is logged once, as a bug, when its stage threw', async () => {
    // Was: two error lines per bug, the stage's "bug in the confirm stage" and the runner's
    // "partition stopped: TypeError", the second without the record's offset.
    const { h, logs } = confirmRunner()
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.settle()

    await h.inputBatch(0, [
      { offset: 0, key: 'ok', value: Buffer.from('{}') },
      { offset: 1, key: 'bug', value: Buffer.from('{}') },
    ])
    await h.settle(30)

    const errors = logs.lines.filter((l) => l.level === 'error')
    expect(errors).toMatchObject([
      {
        msg: 'bug in the confirm stage (TypeError); rebuilding the partition from its last commit at once',
        topic: IN,
        partition: 0,
        offset: 1,
        err: { message: 'x is undefined' },
      },
    ])
    await h.runner.stop()
  })

  it('is named in its status and in /readyz while it waits to be rebuilt, until it commits again', async () => {
    let newer = true
    const { h } = confirmRunner({
      createProcessor: (ctx: PartitionContext) => ({
        process: (record, slot) => {
          if (record.key?.toString() === 'newer' && newer) return ctx.fail(newerVersion)
          void ctx.batcher.stage([{ topic: 'credential.onchain', key: null, value: null }], slot)
        },
        whenIdle: async () => undefined,
      }),
    })
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.settle()
    expect(stageReadinessReasons('confirm', h.runner)).toEqual([])

    await h.inputBatch(0, [{ offset: 0, key: 'newer', value: Buffer.from('{}') }])
    await h.settle(30)
    await h.inputBatch(0, [{ offset: 0, key: 'newer', value: Buffer.from('{}') }])
    await h.settle(30)

    // waiting out its 1 s: no worker, and the reason is what stopped it, not a ledger restore
    expect(stageReadinessReasons('confirm', h.runner)).toEqual([
      `confirm stage: partition ${IN}/0 stopped: CONFIRM_REQUEST_NEWER_VERSION ${newerVersion.message}`,
    ])
    expect(h.runner.partitions).toMatchObject([
      {
        state: 'starting',
        stoppedBy: {
          origin: 'stage',
          code: 'CONFIRM_REQUEST_NEWER_VERSION',
          message: newerVersion.message,
        },
      },
    ])

    // rebuilt, still before any commit: still stopped by it (it would stop again at the record)
    await h.settle(1_050)
    expect(h.runner.partitions[0]?.state).toBe('ready')
    expect(stageReadinessReasons('confirm', h.runner)).toHaveLength(1)

    // an upgraded stage reads the record: the partition commits, and nothing stops it any more
    newer = false
    await h.inputBatch(0, [{ offset: 0, key: 'newer', value: Buffer.from('{}') }])
    await h.settle(30)
    expect(h.committed.at(-1)?.offset).toBe(1)
    expect(h.runner.partitions[0]?.stoppedBy).toBeNull()
    expect(stageReadinessReasons('confirm', h.runner)).toEqual([])
    await h.runner.stop()
  })

  it('is no longer named once it is revoked, nor when it is assigned again', async () => {
    const { h } = confirmRunner()
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.settle()
    await h.inputBatch(0, [{ offset: 0, key: 'newer', value: Buffer.from('{}') }])
    await h.settle(30)
    await h.inputBatch(0, [{ offset: 0, key: 'newer', value: Buffer.from('{}') }])
    await h.settle(30)
    expect(h.runner.partitions[0]?.stoppedBy?.code).toBe('CONFIRM_REQUEST_NEWER_VERSION')

    // revoked while it waits to be rebuilt (it has no worker), then given back
    h.join({})
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.settle()
    expect(h.runner.partitions).toMatchObject([{ state: 'ready', stoppedBy: null }])
    expect(stageReadinessReasons('confirm', h.runner)).toEqual([])
    await h.runner.stop()
  })

  it('still says "restoring its ledger" of a partition nothing stopped', async () => {
    const h = runnerHarness({
      input: IN,
      ledger: LEDGER,
      stage: 'confirm',
      ledgerBounds: [{ partition: 0, low: 0, high: 5 }],
    })
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.settle()
    expect(stageReadinessReasons('confirm', h.runner)).toEqual([
      'confirm stage is restoring its ledger',
    ])
    await h.ledgerBatch(0, 4)
    expect(stageReadinessReasons('confirm', h.runner)).toEqual([])
    await h.runner.stop()
  })
})

describe('a partition whose transaction failed', () => {
  it('is logged and named as a failed transaction, not as stopped by its stage', async () => {
    const { h, rebuildLines } = confirmRunner()
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.settle()
    h.commitErrors.push(new Error('Broker went away'))

    await h.inputBatch(0, [{ offset: 0, key: 'ok', value: Buffer.from('{}') }])
    await h.settle(30)

    expect(rebuildLines()).toEqual([
      'transaction failed (KAFKA_UNAVAILABLE); rebuilding the partition from its last commit at once',
    ])
    expect(h.runner.partitions[0]?.stoppedBy).toMatchObject({
      origin: 'transaction',
      code: 'KAFKA_UNAVAILABLE',
    })
    expect(stageReadinessReasons('confirm', h.runner)).toEqual([
      `confirm stage: partition ${IN}/0 stopped, its transaction failed: KAFKA_UNAVAILABLE transaction of g.${IN}.0 failed: Broker went away`,
    ])

    // the rebuilt partition reads the record again and commits it
    await h.inputBatch(0, [{ offset: 0, key: 'ok', value: Buffer.from('{}') }])
    await h.settle(30)
    expect(h.committed.at(-1)?.offset).toBe(1)
    expect(stageReadinessReasons('confirm', h.runner)).toEqual([])
    await h.runner.stop()
  })
})
