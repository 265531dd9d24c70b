import { randomUUID } from 'node:crypto'
import type { Message } from 'kafkajs'
import { sha256Hex } from '../../src/domain/idempotency-key.js'
import { encodeLedgerEntry, LedgerState, type LedgerEntry } from '../../src/ledger/ledger-entry.js'
import { confirmLedgerTopic, issueLedgerTopic } from '../../src/ledger/ledger-topics.js'
import type { ScenarioResult } from '../report/scenario-result.js'
import type { BenchContext } from '../support/bench-context.js'
import { readProcUsage } from '../support/proc-usage.js'
import { prepareScenarioRelay, startHeapProbedRelay } from '../support/scenario-relay.js'

const READY_TIMEOUT_MS = 600_000
/** Records per `send`, as in bench-events. */
const PRODUCE_BATCH = 2_000
const KIB = 1024

interface Start {
  /** From spawning the process to /readyz 200, in ms. */
  readonly readyMs: number
  readonly heapUsed: number
  readonly cpuMs: number | null
}

/**
 * Ledger restore: how long a relay takes to become ready when the partitions it is given hold
 * `restoreCredentials` issued credentials in their ledgers (a start-up, a rebalance, a failover),
 * and the heap they take once restored. The ledgers are written as the live relay leaves them
 * before compaction: INTENT and ISSUED per credential in the issue ledger, ONCHAIN in the confirm
 * ledger. The same relay config starts twice, on empty ledgers and on full ones; the difference
 * is the restore.
 */
export async function runLedgerRestore(ctx: BenchContext): Promise<ScenarioResult> {
  const credentials = ctx.options.restoreCredentials
  const partitions = ctx.input.partitions
  const { prefix, inputTopic, rawConfig } = await prepareScenarioRelay(ctx, 'restore')

  // The first start creates the ledger topics as the relay wants them (compacted, co-partitioned).
  const empty = await startAndMeasure(ctx, rawConfig, 'restore-empty')
  const writeStarted = Date.now()
  const records = await writeLedgers(ctx, prefix, inputTopic, credentials, partitions)
  ctx.log(
    `  restore: ${records.toLocaleString('en-US')} ledger records for ${credentials.toLocaleString('en-US')} credentials written in ${Date.now() - writeStarted} ms`,
  )
  const full = await startAndMeasure(ctx, rawConfig, 'restore-full')

  const restoreSeconds = (full.readyMs - empty.readyMs) / 1000
  const heapPerCredential = (full.heapUsed - empty.heapUsed) / credentials
  const cpuUsPerRecord =
    full.cpuMs === null || empty.cpuMs === null
      ? null
      : ((full.cpuMs - empty.cpuMs) * 1e3) / records
  const recordsPerSecond = restoreSeconds > 0 ? records / restoreSeconds : null
  const secondsPerMillion = (restoreSeconds * 1_000_000) / credentials
  const int = (n: number): string => Math.round(n).toLocaleString('en-US')
  return {
    id: 'restore',
    title: `ledger restore (${int(credentials)} credentials, ${int(records)} ledger records)`,
    events: credentials,
    seconds: restoreSeconds,
    // records, not events: the rate and CPU are in the notes, not in the events/s columns
    eventsPerSecond: null,
    cpuUsPerEvent: null,
    latencyMs: null,
    peakRssBytes: null,
    definition:
      'time to ready with full ledgers − time to ready with empty ones; heap after a full GC, full − empty, per credential',
    notes: [
      `${int(credentials)} credentials restored in ${restoreSeconds.toFixed(1)} s (≈ ${secondsPerMillion.toFixed(0)} s per million; ${recordsPerSecond === null ? '–' : int(recordsPerSecond)} ledger records/s${cpuUsPerRecord === null ? '' : `, ${cpuUsPerRecord.toFixed(1)} CPU-µs each`}), heap ${(heapPerCredential / KIB).toFixed(2)} KiB per credential`,
      `ready in ${(empty.readyMs / 1000).toFixed(1)} s on empty ledgers, ${(full.readyMs / 1000).toFixed(1)} s on full ones`,
    ],
    detail: {
      credentials,
      ledgerRecords: records,
      recordsPerSecond,
      cpuUsPerRecord,
      readyEmptyMs: empty.readyMs,
      readyFullMs: full.readyMs,
      secondsPerMillionCredentials: secondsPerMillion,
      heapEmptyBytes: empty.heapUsed,
      heapFullBytes: full.heapUsed,
      heapPerCredentialBytes: heapPerCredential,
    },
    checks: [
      {
        name: 'full ledgers take longer to restore than empty ones',
        ok: restoreSeconds > 0,
        detail: `${restoreSeconds.toFixed(2)} s`,
      },
    ],
  }
}

async function startAndMeasure(
  ctx: BenchContext,
  rawConfig: Record<string, unknown>,
  name: string,
): Promise<Start> {
  const started = Date.now()
  const relay = await startHeapProbedRelay(ctx, name, rawConfig)
  try {
    const readyAt = await relay.waitReady(READY_TIMEOUT_MS)
    const cpu = readProcUsage(relay.process.pid)
    const memory = await relay.heapAfterGc()
    return {
      readyMs: readyAt - started,
      heapUsed: memory.heapUsed,
      cpuMs: cpu ? cpu.cpuMs : null,
    }
  } finally {
    await relay.stop(10_000)
  }
}

/** Writes the ledgers of `credentials` issued, onchain credentials; returns the record count. */
async function writeLedgers(
  ctx: BenchContext,
  prefix: string,
  inputTopic: string,
  credentials: number,
  partitions: number,
): Promise<number> {
  const producer = await ctx.kafka.producer()
  const issueLedger = issueLedgerTopic(prefix, inputTopic)
  const confirmLedger = confirmLedgerTopic(prefix)
  const at = Date.now()
  let records = 0
  for (let from = 0; from < credentials; from += PRODUCE_BATCH) {
    const issue: Message[] = []
    const confirm: Message[] = []
    for (let i = from; i < Math.min(from + PRODUCE_BATCH, credentials); i++) {
      const key = sha256Hex(`${prefix}-key-${i}`)
      const partition = i % partitions
      // as MocaChain writes it: 64 lowercase hex digits, no 0x
      const coreClaimHash = sha256Hex(`${prefix}-claim-${i}`)
      const entries: LedgerEntry[] = [
        { state: LedgerState.intent, generation: 0, at, run: null, onDuplicate: 'revoke' },
        {
          state: LedgerState.issued,
          generation: 0,
          at,
          run: null,
          holder: sha256Hex(`${prefix}-holder-${i}`),
          coreClaimHash,
          userUuid: randomUUID(),
        },
      ]
      for (const entry of entries) issue.push({ key, partition, value: encodeLedgerEntry(entry) })
      confirm.push({
        key,
        partition,
        value: encodeLedgerEntry({
          state: LedgerState.onchain,
          generation: 0,
          at,
          run: null,
          coreClaimHash,
        }),
      })
    }
    await producer.sendBatch({
      topicMessages: [
        { topic: issueLedger, messages: issue },
        { topic: confirmLedger, messages: confirm },
      ],
    })
    records += issue.length + confirm.length
  }
  return records
}
