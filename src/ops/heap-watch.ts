import { getHeapStatistics } from 'node:v8'
import type { Logger } from './logger.js'

export interface HeapSample {
  readonly usedBytes: number
  readonly limitBytes: number
}

export interface HeapWatchDeps {
  readonly logger: Logger
  /** Entries the ledgers of the owned partitions hold now (what grows with the retention). */
  readonly ledgerEntries: () => number
  /** @default V8's used heap and heap limit */
  readonly sample?: () => HeapSample
  /** @default HEAP_WATCH_INTERVAL_MS */
  readonly intervalMs?: number
}

/**
 * Warn from this share of V8's heap limit on. Node dies at about 85% of it (the limit also counts
 * the young generation), and a restore grows the heap by tens of megabytes a second, so the
 * margin is wide and one sample is enough: garbage a collection is about to free is at most the
 * young generation (48 MiB by default), small beside any heap that holds real ledgers.
 */
const WARN_AT = 0.75
/** Warn again only after the heap went back below this share. */
const REARM_BELOW = 0.65

const MIB = 1024 * 1024

/**
 * A restore grows the heap by about 40 MiB a second (measured: 600,000 ledger records restored
 * under --max-old-space-size=250), and the band between the warning and Node's death is 10% of
 * the limit: 30 MiB of a 300 MiB heap, less than a second. A 2 s period could step over it; a
 * sample costs about a microsecond, so four a second cost nothing.
 */
export const HEAP_WATCH_INTERVAL_MS = 250

/**
 * Watches the heap against its limit. The relay holds its ledgers in memory for the whole
 * `ledger.retention`, so a relay that outgrows its heap does not slow down first: Node dies with
 * "heap out of memory", and the next start restores the same ledgers and dies again. This says so
 * in the log before that happens, with what to change.
 */
export function startHeapWatch(deps: HeapWatchDeps): { stop(): void } {
  const sample = deps.sample ?? v8Sample
  let warned = false
  const check = (): void => {
    const { usedBytes, limitBytes } = sample()
    const share = usedBytes / limitBytes
    if (share < REARM_BELOW) warned = false
    if (warned || share < WARN_AT) return
    warned = true
    deps.logger.warn(
      {
        heapUsedMiB: Math.round(usedBytes / MIB),
        heapLimitMiB: Math.round(limitBytes / MIB),
        ledgerEntries: deps.ledgerEntries(),
      },
      `the heap is ${Math.round(share * 100)}% full; the ledgers of this instance's partitions grow with ledger.retention and Node stops with "heap out of memory" at the limit. Fix: raise the heap limit (NODE_OPTIONS=--max-old-space-size=<MiB>), run more instances in the group, or shorten ledger.retention`,
    )
  }
  const timer = setInterval(check, deps.intervalMs ?? HEAP_WATCH_INTERVAL_MS)
  timer.unref()
  return { stop: () => clearInterval(timer) }
}

function v8Sample(): HeapSample {
  const stats = getHeapStatistics()
  return { usedBytes: stats.used_heap_size, limitBytes: stats.heap_size_limit }
}
