import { kafkajsLong, type KafkajsLongStatic } from './kafkajs-long.js'
import { isKafkajsModuleSwapped, swapKafkajsModule } from './kafkajs-module-swap.js'

/**
 * A fix for kafkajs 2.2.4's read_committed filtering, installed before kafkajs loads.
 *
 * The broker lists a fetch's aborted transactions in the order they were *aborted*. kafkajs
 * (src/consumer/filterAbortedMessages.js) walks that list as if it were sorted by first offset and
 * looks only at its head: an aborted transaction that began earlier but was aborted later is never
 * recognised, and its records are delivered as committed. The relay produces exactly that pattern
 * after a kill -9 — its successor fences one transactional id per partition, aborting overlapping
 * transactions in another order — so its confirm stage (and any kafkajs consumer downstream) would
 * read aborted records. Found by `npm run chaos`; test/integration/regression-kafkajs-read-committed.
 *
 * The replacement does what the Java client does: aborted transactions sorted by first offset, all
 * those that began at or before a record are active for their producer until its abort marker.
 *
 * kafkajs's batch module captures the filter when it loads, so this must run first: every entry
 * point imports kafka/kafkajs-patches.ts (which loads this module) before anything that imports
 * kafkajs, and createKafka() refuses to run without it (assertReadCommittedFix).
 */

interface FetchedMessage {
  readonly offset: string
  readonly key: Buffer | null
  readonly batchContext: { readonly producerId: unknown; readonly inTransaction: boolean }
}
interface AbortedTransaction {
  readonly firstOffset: unknown
  readonly producerId: unknown
}

const FILTER_MODULE = 'kafkajs/src/consumer/filterAbortedMessages.js'
/** Key of an abort marker: control record version 0, type 0 (abort). */
const ABORT_MARKER_KEY = Buffer.from([0, 0, 0, 0])

function createFilter(Long: KafkajsLongStatic) {
  return function filterAbortedMessages({
    messages,
    abortedTransactions,
  }: {
    messages: FetchedMessage[]
    abortedTransactions?: AbortedTransaction[]
  }): FetchedMessage[] {
    if (!abortedTransactions || abortedTransactions.length === 0) return messages
    const pending = [...abortedTransactions].sort((a, b) =>
      Long.fromValue(a.firstOffset).compare(Long.fromValue(b.firstOffset)),
    )
    const abortedProducers = new Set<string>()
    let next = 0
    return messages.filter((message) => {
      const offset = Long.fromValue(message.offset)
      while (
        next < pending.length &&
        offset.gte(Long.fromValue((pending[next] as AbortedTransaction).firstOffset))
      ) {
        abortedProducers.add(String((pending[next] as AbortedTransaction).producerId))
        next++
      }
      const producer = String(message.batchContext.producerId)
      if (message.key !== null && ABORT_MARKER_KEY.equals(Buffer.from(message.key))) {
        abortedProducers.delete(producer)
        return true
      }
      return !(message.batchContext.inTransaction && abortedProducers.has(producer))
    })
  }
}

/** Installs the fix; a no-op when it is installed already. Throws if kafkajs loaded first. */
export function installReadCommittedFix(): void {
  const Long = kafkajsLong()
  swapKafkajsModule({
    module: FILTER_MODULE,
    patch: 'its read_committed fix',
    replace: () => createFilter(Long),
  })
}

/** Called by createKafka(): a relay without the fix could read aborted records. */
export function assertReadCommittedFix(): void {
  if (!isKafkajsModuleSwapped(FILTER_MODULE)) {
    throw new Error(
      'kafkajs is running without its read_committed fix (see src/kafka/kafkajs-read-committed-fix.ts)',
    )
  }
}

installReadCommittedFix()
