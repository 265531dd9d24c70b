/**
 * Loaded into a relay child with `node --expose-gc --import <this file>` by the memory scenario
 * only: on SIGUSR2 it runs a full GC and writes process.memoryUsage() to BENCH_HEAP_PROBE_FILE, so
 * heap figures are live objects, not whatever garbage the last collection happened to leave.
 */
import { writeFileSync } from 'node:fs'

const file = process.env.BENCH_HEAP_PROBE_FILE
const gc = (globalThis as { gc?: () => void }).gc

if (file !== undefined && gc !== undefined) {
  process.on('SIGUSR2', () => {
    // Twice: the first pass may only queue finalizers whose objects the second one frees.
    gc()
    gc()
    writeFileSync(file, JSON.stringify({ ...process.memoryUsage(), at: Date.now() }))
  })
}
