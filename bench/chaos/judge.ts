import type { OutputEvent } from '../../src/domain/output-events.js'
import type { IssueCallRecord } from '../../src/sandbox/call-log.js'

/**
 * The chaos suite's judge: given what was produced, what a read_committed consumer read from the
 * output topics (to the end of every partition) and the sandbox's call log, it checks the
 * relay's four promises. Pure, so each check is unit-tested on crafted violations.
 */

/** One produced input record and what it must end as. */
export interface ChaosInput {
  readonly topic: string
  readonly partition: number
  readonly offset: string
  /** The relay's ordering key for it (the route's normalised email); null for undecodable input. */
  readonly orderingKey: string | null
  /** `onchain`: a valid event; `failed`: input the relay must fail (undecodable, invalid). */
  readonly expect: 'onchain' | 'failed'
}

/** One output record as read, with its place in its output partition. */
export interface OutputRecord {
  readonly topic: string
  readonly partition: number
  readonly offset: string
  readonly event: OutputEvent
}

export interface JudgeInput {
  readonly inputs: readonly ChaosInput[]
  readonly outputs: readonly OutputRecord[]
  readonly calls: readonly IssueCallRecord[]
}

export interface CheckResult {
  /** Violations found; 0 is a pass. */
  readonly count: number
  /** A few of them, in words, for the report. */
  readonly examples: readonly string[]
}

export interface Verdict {
  readonly ok: boolean
  /** Inputs without exactly one terminal outcome (or with a contradictory one), and stray outputs. */
  readonly lost: CheckResult
  /** Applied `onDuplicate: "revoke"` calls beyond the first per idempotency key. */
  readonly duplicateRevokes: CheckResult
  /** Output records seen before: same event id, or same (type, idempotency key or source). */
  readonly duplicateOutputs: CheckResult
  /** credential.issued events or applied issue calls of one ordering key out of offset order. */
  readonly orderViolations: CheckResult
  /** Inputs expected onchain that ended failed, with a reason (accounted for, not lost). */
  readonly failedByCode: Readonly<Record<string, number>>
}

/** Enough examples to see the pattern without flooding a report. */
const MAX_EXAMPLES = 5

export function judgeTrial(input: JudgeInput): Verdict {
  const outputs = [...input.outputs].sort(byPlace)
  const unique = dropRepeats(outputs)
  const accounted = checkAccounted(input.inputs, unique)
  const duplicateRevokes = checkRevokes(input.calls)
  const duplicateOutputs = checkDuplicateOutputs(outputs)
  const orderViolations = checkOrder(input.inputs, unique, input.calls)
  return {
    ok:
      accounted.result.count +
        duplicateRevokes.count +
        duplicateOutputs.count +
        orderViolations.count ===
      0,
    lost: accounted.result,
    duplicateRevokes,
    duplicateOutputs,
    orderViolations,
    failedByCode: accounted.failedByCode,
  }
}

function sourceOf(event: OutputEvent): string {
  return coordinates(event.source)
}

function coordinates(at: { topic: string; partition: number; offset: string }): string {
  return `${at.topic}/${at.partition}@${at.offset}`
}

function byPlace(a: OutputRecord, b: OutputRecord): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1
  if (a.partition !== b.partition) return a.partition - b.partition
  return Number(BigInt(a.offset) - BigInt(b.offset))
}

/** What makes two records the same outcome, whatever their ids. */
function outcomeOf(event: OutputEvent): string {
  return `${event.type} of ${event.idempotencyKey ?? sourceOf(event)}`
}

/**
 * The first record of each event id and outcome: duplicates are checkDuplicateOutputs' finding;
 * the other checks count outcomes, not deliveries.
 */
function dropRepeats(outputs: readonly OutputRecord[]): OutputRecord[] {
  const seen = new Set<string>()
  return outputs.filter(({ event }) => {
    const repeated = seen.has(event.id) || seen.has(outcomeOf(event))
    seen.add(event.id).add(outcomeOf(event))
    return !repeated
  })
}

function collector(): { add(example: string): void; result(): CheckResult } {
  let count = 0
  const examples: string[] = []
  return {
    add(example) {
      count += 1
      if (examples.length < MAX_EXAMPLES) examples.push(example)
    },
    result: () => ({ count, examples }),
  }
}

function checkAccounted(
  inputs: readonly ChaosInput[],
  outputs: readonly OutputRecord[],
): { result: CheckResult; failedByCode: Record<string, number> } {
  const bySource = new Map<string, OutputEvent[]>()
  for (const { event } of outputs) {
    const list = bySource.get(sourceOf(event)) ?? []
    list.push(event)
    bySource.set(sourceOf(event), list)
  }
  const problems = collector()
  const failedByCode: Record<string, number> = {}
  for (const input of inputs) {
    const at = coordinates(input)
    const events = bySource.get(at) ?? []
    bySource.delete(at)
    const issued = events.filter((e) => e.type === 'credential.issued')
    const onchain = events.filter((e) => e.type === 'credential.onchain')
    const failed = events.filter((e) => e.type === 'credential.failed')
    const problem = describeOutcome(input, { issued, onchain, failed })
    if (problem !== null) problems.add(`${at}: ${problem}`)
    else if (input.expect === 'onchain' && failed[0] !== undefined) {
      const code = failed[0].failure.code
      failedByCode[code] = (failedByCode[code] ?? 0) + 1
    }
  }
  for (const [at, events] of bySource) {
    problems.add(`${at}: ${events.length} output(s) for a record that was never produced`)
  }
  return { result: problems.result(), failedByCode }
}

type Outcomes = {
  readonly [K in 'issued' | 'onchain' | 'failed']: readonly Extract<
    OutputEvent,
    { type: `credential.${K}` }
  >[]
}

/** Null when the input ended as exactly one terminal outcome, else what is wrong. */
function describeOutcome(input: ChaosInput, { issued, onchain, failed }: Outcomes): string | null {
  const counts = `issued=${issued.length} onchain=${onchain.length} failed=${failed.length}`
  if (issued.length + onchain.length + failed.length === 0) return 'no output at all (lost)'
  if (issued.length > 1 || onchain.length > 1 || failed.length > 1) {
    return `more than one outcome of a kind (${counts})`
  }
  if (onchain.length === 1 && failed.length === 1) return `both onchain and failed (${counts})`
  if (input.expect === 'failed') {
    return issued.length === 0 && failed.length === 1
      ? null
      : `expected credential.failed only (${counts})`
  }
  const [issue] = issued
  const [confirmed] = onchain
  if (confirmed !== undefined) {
    if (issue === undefined) return `credential.onchain without credential.issued (${counts})`
    if (confirmed.coreClaimHash !== issue.coreClaimHash) {
      return `onchain ${confirmed.coreClaimHash} is not the issued ${issue.coreClaimHash}`
    }
    return null
  }
  if (failed[0] === undefined) return `issued but neither onchain nor failed (${counts})`
  return failed[0].failure.code ? null : 'credential.failed without a reason code'
}

function checkRevokes(calls: readonly IssueCallRecord[]): CheckResult {
  const problems = collector()
  const seen = new Map<string, number>()
  for (const call of calls) {
    if (!call.applied || call.onDuplicate !== 'revoke') continue
    const key = call.idempotencyKey ?? '(no idempotency key)'
    const before = seen.get(key) ?? 0
    seen.set(key, before + 1)
    if (before > 0) problems.add(`key ${key}: applied revoke #${before + 1} (call ${call.seq})`)
  }
  return problems.result()
}

function checkDuplicateOutputs(outputs: readonly OutputRecord[]): CheckResult {
  const problems = collector()
  const ids = new Set<string>()
  const outcomes = new Set<string>()
  for (const { topic, partition, offset, event } of outputs) {
    const outcome = outcomeOf(event)
    const place = `${topic}/${partition}@${offset}`
    if (ids.has(event.id)) problems.add(`${place}: event id ${event.id} again`)
    else if (outcomes.has(outcome)) problems.add(`${place}: a second ${outcome}`)
    ids.add(event.id)
    outcomes.add(outcome)
  }
  return problems.result()
}

/**
 * The relay runs one command per ordering key at a time, in offset order, within an input
 * partition: so within (input topic, partition, ordering key), both the credential.issued events
 * (in output order) and the calls MocaChain applied (in call-log order) follow input offsets.
 */
function checkOrder(
  inputs: readonly ChaosInput[],
  outputs: readonly OutputRecord[],
  calls: readonly IssueCallRecord[],
): CheckResult {
  const problems = collector()
  const inputAt = new Map(inputs.map((i) => [coordinates(i), i]))
  const inputOfKey = new Map<string, ChaosInput>()
  const issuedInOrder: ChaosInput[] = []
  for (const { event } of outputs) {
    const input = inputAt.get(sourceOf(event))
    if (input === undefined) continue
    if (event.idempotencyKey !== null) inputOfKey.set(event.idempotencyKey, input)
    if (event.type === 'credential.issued') issuedInOrder.push(input)
  }
  const appliedInOrder = [...calls]
    .sort((a, b) => a.seq - b.seq)
    .filter((c) => c.applied && c.idempotencyKey !== null)
    .flatMap((c) => {
      const input = inputOfKey.get(c.idempotencyKey ?? '')
      return input === undefined ? [] : [input]
    })
  for (const [what, sequence] of [
    ['credential.issued', issuedInOrder],
    ['applied issue call', appliedInOrder],
  ] as const) {
    const last = new Map<string, bigint>()
    for (const input of sequence) {
      if (input.orderingKey === null) continue
      const lane = `${input.topic}/${input.partition} key ${input.orderingKey}`
      const offset = BigInt(input.offset)
      const previous = last.get(lane)
      if (previous !== undefined && offset < previous) {
        problems.add(`${lane}: ${what} for offset ${offset} after offset ${previous}`)
      }
      last.set(lane, offset)
    }
  }
  return problems.result()
}
