import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { HEAP_WATCH_INTERVAL_MS, startHeapWatch } from '../../src/ops/heap-watch.js'
import { captureLogs } from '../support/capture-logs.js'

const MIB = 1024 * 1024
const LIMIT = 1000 * MIB

describe('the heap watch', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  /** Feeds the watch one heap share per check; returns the warnings it logged. */
  async function watch(shares: readonly number[]) {
    const { logger, lines } = captureLogs('info')
    let next = 0
    const heap = startHeapWatch({
      logger,
      ledgerEntries: () => 1_234_567,
      sample: () => ({ usedBytes: (shares[next++] ?? 0) * LIMIT, limitBytes: LIMIT }),
    })
    await vi.advanceTimersByTimeAsync(HEAP_WATCH_INTERVAL_MS * shares.length)
    heap.stop()
    return lines.filter((l) => l.level === 'warn')
  }

  it('warns once, as the heap passes 75% of its limit, saying what holds it and what to change', async () => {
    const [warning, ...more] = await watch([0.5, 0.7, 0.8, 0.84, 0.85])
    expect(more).toEqual([])
    expect(warning).toMatchObject({
      heapUsedMiB: 800,
      heapLimitMiB: 1000,
      ledgerEntries: 1_234_567,
    })
    expect(String(warning?.msg)).toMatch(/80% full.*--max-old-space-size.*ledger\.retention/)
  })

  it('says nothing while the heap stays below 75%', async () => {
    expect(await watch([0.3, 0.6, 0.74, 0.7])).toEqual([])
  })

  it('warns again after the heap went back below 65% and rose again', async () => {
    expect(await watch([0.8, 0.8, 0.6, 0.8, 0.8])).toHaveLength(2)
    expect(await watch([0.8, 0.8, 0.7, 0.8, 0.8])).toHaveLength(1)
  })

  it('warns about a heap that a restore fills from half to the limit within a second', async () => {
    // A restore grows the heap by about 40 MiB a second: on a 300 MiB heap, it crosses the band
    // between the warning (75%) and "heap out of memory" (≈ 85%) in under a second.
    const { logger, lines } = captureLogs('info')
    const startedAt = Date.now()
    const heap = startHeapWatch({
      logger,
      ledgerEntries: () => 600_000,
      sample: () => {
        const elapsed = Date.now() - startedAt
        const share = elapsed < 1_000 ? 0.5 : elapsed < 1_600 ? 0.8 : 0.86
        return { usedBytes: share * LIMIT, limitBytes: LIMIT }
      },
    })
    const warnedAt: number[] = []
    for (let t = 0; t < 3_000; t += 50) {
      await vi.advanceTimersByTimeAsync(50)
      if (warnedAt.length === 0 && lines.some((l) => l.level === 'warn')) warnedAt.push(t + 50)
    }
    heap.stop()
    expect(warnedAt[0]).toBeDefined()
    expect(warnedAt[0]).toBeLessThan(1_600)
  })
})
