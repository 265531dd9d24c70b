/**
 * Loaded into a relay child with `node --expose-gc --import <this file>` by the memory and
 * retention scenarios only: on SIGUSR2 it runs a full GC and writes process.memoryUsage() to BENCH_HEAP_PROBE_FILE, so
 * heap figures are live objects, not whatever garbage the last collection happened to leave.
 * When `<file>.request` names a snapshot path, a heap snapshot is written there too, after the
 * figures are taken (writing one allocates).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { writeHeapSnapshot } from 'node:v8'

const file = process.env.BENCH_HEAP_PROBE_FILE
const gc = (globalThis as { gc?: () => void }).gc

if (file !== undefined && gc !== undefined) {
  process.on('SIGUSR2', () => {
    const requestFile = `${file}.request`
    const request = existsSync(requestFile)
      ? (JSON.parse(readFileSync(requestFile, 'utf8')) as { snapshotPath?: string })
      : {}
    rmSync(requestFile, { force: true })
    // Twice: the first pass may only queue finalizers whose objects the second one frees.
    gc()
    gc()
    const usage = process.memoryUsage()
    if (request.snapshotPath) writeHeapSnapshot(request.snapshotPath)
    writeFileSync(file, JSON.stringify({ ...usage, at: Date.now() }))
  })
}
