import type { Message } from 'kafkajs'
import {
  badInputCorpus,
  corpusMessage,
  CORPUS_MAX_RECORD_BYTES,
  relayFailureCode,
} from '../../test/fixtures/bad-input-corpus.js'
import type { ScenarioResult } from '../report/scenario-result.js'
import type { BenchContext } from '../support/bench-context.js'
import { produceEvents } from '../support/bench-events.js'
import { runRelayRepeated } from './relay-throughput.js'

/** One poison record after every this many valid events: 10% of the stream. */
const VALID_PER_POISON = 9

/**
 * relay50 on a backlog with the bad-input corpus mixed in (issue 6: "each becomes
 * credential.failed with a precise reason while the relay keeps its throughput"): the same valid
 * events as the shared backlog, and after every ninth one the next failing corpus record, keyed
 * like the event before it so it lands among real users' records. Without a schema registry, so
 * the registry entries are left out; so is the 1 MB value, whose cost is the broker's bytes, not
 * the relay's (test/integration/relay-bad-input.test.ts covers both).
 */
export async function runRelayPoison(ctx: BenchContext): Promise<ScenarioResult> {
  const id = 'relay50-poison'
  const topic = `${ctx.runPrefix}-${id}-input`
  const corpus = badInputCorpus(null).filter(
    (entry) =>
      relayFailureCode(entry) !== null &&
      (entry.record.value?.length ?? 0) <= CORPUS_MAX_RECORD_BYTES,
  )
  const valid = ctx.input.events
  let poison = 0
  await ctx.kafka.createTopic(topic, ctx.input.partitions)
  const userPrefix = `${ctx.runPrefix}-poison-user`
  await produceEvents({
    producer: await ctx.kafka.producer(),
    topic,
    from: 0,
    to: valid,
    users: ctx.options.users,
    userPrefix,
    after: (i): Message | null => {
      if (i % VALID_PER_POISON !== VALID_PER_POISON - 1) return null
      const entry = corpus[poison % corpus.length]!
      poison += 1
      return corpusMessage(entry, `${userPrefix}-${i % ctx.options.users}@bench.example`)
    },
  })
  ctx.log(`  ${id}: ${valid} valid events and ${poison} corpus records on ${topic}`)
  const { result } = await runRelayRepeated(
    ctx,
    { id, issueLatencyMs: 50, backlog: { topic, valid, poison } },
    ctx.options.relayRuns,
  )
  return result
}
