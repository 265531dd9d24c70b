/**
 * `npm run bench:ledger`: heap per in-memory ledger entry, as a relay holds them after a restore:
 * the issue ledger's ISSUED entry (with its per-user index) and the confirm ledger's ONCHAIN entry
 * of one credential. The relay that confirmed a credential does not hold its ONCHAIN entry; one
 * that restored the confirm ledger holds those that were written (at most one per credential).
 * Run with --expose-gc (the npm script does).
 */
import { sha256Hex } from '../src/domain/idempotency-key.js'
import { encodeLedgerEntry, type LedgerEntry } from '../src/ledger/ledger-entry.js'
import { createLedgerPartition } from '../src/ledger/ledger-partition.js'

const ENTRIES = 200_000

function heapPerEntry(entryOf: (i: number) => { key: string; entry: LedgerEntry }): number {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('run node with --expose-gc')
  const ledger = createLedgerPartition({ retentionMs: 30 * 86_400_000 })
  gc()
  const before = process.memoryUsage().heapUsed
  for (let i = 0; i < ENTRIES; i++) {
    const { key, entry } = entryOf(i)
    ledger.applyRecord(key, encodeLedgerEntry(entry))
  }
  gc()
  const grown = process.memoryUsage().heapUsed - before
  // read after measuring, so the ledger is still alive when the heap is measured
  if (ledger.size !== ENTRIES) throw new Error(`expected ${ENTRIES} entries, got ${ledger.size}`)
  return grown / ENTRIES
}

const at = Date.now()
const issued = heapPerEntry((i) => ({
  key: sha256Hex(`key-${i}`),
  entry: {
    state: 'ISSUED',
    generation: 0,
    at,
    run: null,
    // as issue-outcomes writes it
    holder: sha256Hex(`holder-${i}`),
    coreClaimHash: sha256Hex(`claim-${i}`),
    userUuid: `2f1b0c3e-8a8e-4d2a-9a1f-${String(i).padStart(12, '0')}`,
  },
}))
const onchain = heapPerEntry((i) => ({
  key: sha256Hex(`key-${i}`),
  entry: { state: 'ONCHAIN', generation: 0, at, run: null, coreClaimHash: sha256Hex(`claim-${i}`) },
}))
process.stdout.write(
  [
    `ledger heap per entry, ${ENTRIES.toLocaleString('en-US')} entries each:`,
    `  issue ledger, ISSUED (with the per-user index)  ${issued.toFixed(0)} bytes`,
    `  confirm ledger, ONCHAIN (restored ones only)     ${onchain.toFixed(0)} bytes`,
    `  one issued credential in the window              ${(issued / 1024).toFixed(2)} KiB, at most ${((issued + onchain) / 1024).toFixed(2)} KiB after a restore`,
    '',
  ].join('\n'),
)
