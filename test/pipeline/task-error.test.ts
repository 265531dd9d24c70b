import { describe, expect, it } from 'vitest'
import { onTaskError, type PartitionContext } from '../../src/pipeline/partition-worker.js'
import { captureLogs } from '../support/capture-logs.js'

function context(gone: boolean): {
  ctx: PartitionContext
  failed: unknown[]
  lines: Record<string, unknown>[]
} {
  const { logger, lines } = captureLogs('debug')
  const failed: [unknown, unknown][] = []
  const controller = new AbortController()
  if (gone) controller.abort(new Error('transaction failed'))
  const ctx = {
    stage: 'issue',
    signal: controller.signal,
    logger,
    fail: (err: unknown, offset: unknown) => void failed.push([err, offset]),
  } as unknown as PartitionContext
  return { ctx, failed, lines }
}

describe('a stage task that throws', () => {
  it('is a bug while its partition is alive: the partition fails at its offset, and the runner logs it', () => {
    const { ctx, failed, lines } = context(false)
    const err = new Error('undefined is not a function')
    onTaskError(ctx, err, 42)
    expect(failed).toEqual([[err, 42]])
    // Was: also logged here, so every bug was two error lines (this one and the runner's).
    expect(lines).toEqual([])
  })

  it('is abandoned, not a bug, once the partition is gone (its transaction failed)', () => {
    const { ctx, failed, lines } = context(true)
    onTaskError(ctx, new Error('Producer fenced'), 42)
    expect(failed).toEqual([])
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['debug', 'issue task abandoned with its partition'],
    ])
  })
})
