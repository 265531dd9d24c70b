import type { Message, Producer } from 'kafkajs'
import type { SandboxProgram } from '../../src/sandbox/sandbox-config.js'
import { BENCH_PROGRAM, BENCH_SUBJECT_SCHEMA, benchEvent } from '../support/bench-events.js'
import type { ChaosInput } from './judge.js'

/**
 * A chaos trial's input: many users with several events each over two routes — `kyc` on
 * BENCH_PROGRAM with onDuplicate "revoke" (the relay's default), `member` on a second program
 * with "ignore" — plus a few undecodable records that must end as credential.failed. Every valid
 * event has its own content, so each is one issuance; each user's records share a partition.
 */

/** The second program: onDuplicate "ignore", so a user's later events return the first credential. */
export const MEMBER_PROGRAM = {
  issuerDid: 'did:air:id:test:chaosMemberIssuer',
  credentialId: 'c-chaos-member-program-1',
} as const

const MEMBER_SUBJECT_SCHEMA = {
  type: 'object',
  properties: { tier: { type: 'string' } },
  required: ['tier'],
  additionalProperties: false,
} as const

/** The sandbox's programs for the two routes. */
export function chaosPrograms(partnerId: string): SandboxProgram[] {
  return [
    { ...BENCH_PROGRAM, partnerId, credentialSubjectSchema: BENCH_SUBJECT_SCHEMA },
    { ...MEMBER_PROGRAM, partnerId, credentialSubjectSchema: MEMBER_SUBJECT_SCHEMA },
  ]
}

export interface ChaosTopics {
  readonly kyc: string
  readonly member: string
}

/** The relay's routes over the two input topics. */
export function chaosRoutes(topics: ChaosTopics): Record<string, unknown>[] {
  return [
    {
      name: 'kyc',
      topics: [topics.kyc],
      program: BENCH_PROGRAM,
      email: 'email',
      credentialSubject: { age: 'age', location: 'location', isMember: 'isMember' },
      onDuplicate: 'revoke',
    },
    {
      name: 'member',
      topics: [topics.member],
      program: MEMBER_PROGRAM,
      email: 'email',
      credentialSubject: { tier: 'tier' },
      onDuplicate: 'ignore',
    },
  ]
}

/** Share of events on the `member` route. */
const MEMBER_SHARE = 0.3
/** Share of undecodable records: enough for a few per trial. */
const UNDECODABLE_SHARE = 0.02

export interface ProduceChaosInputsOptions {
  readonly producer: Producer
  readonly topics: ChaosTopics
  readonly partitions: number
  readonly events: number
  /** Users; events pick one at random, so users repeat. */
  readonly users: number
  readonly userPrefix: string
  readonly random: () => number
}

/** Produces the trial's records (acks=-1) and returns them with their offsets and expectations. */
export async function produceChaosInputs(
  options: ProduceChaosInputsOptions,
): Promise<ChaosInput[]> {
  const planned: Record<
    keyof ChaosTopics,
    { message: Message; input: Omit<ChaosInput, 'offset'> }[]
  > = { kyc: [], member: [] }
  for (let i = 0; i < options.events; i += 1) {
    const roll = options.random()
    const route: keyof ChaosTopics = roll < MEMBER_SHARE ? 'member' : 'kyc'
    const topic = options.topics[route]
    if (roll > 1 - UNDECODABLE_SHARE) {
      const partition = i % options.partitions
      planned[route].push({
        message: { key: `undecodable-${i}`, value: `{"broken": ${i}`, partition },
        input: { topic, partition, orderingKey: null, expect: 'failed' },
      })
      continue
    }
    const user = Math.floor(options.random() * options.users)
    const email = `${options.userPrefix}-${user}@chaos.example`
    const partition = user % options.partitions
    const value =
      route === 'kyc'
        ? JSON.stringify(benchEvent(i, email, Date.now()))
        : JSON.stringify({ id: `ev-${i}`, type: 'member.joined', email, tier: `tier-${i}` })
    planned[route].push({
      message: { key: email, value, partition },
      input: { topic, partition, orderingKey: email, expect: 'onchain' },
    })
  }
  const inputs: ChaosInput[] = []
  for (const route of ['kyc', 'member'] as const) {
    const records = planned[route]
    if (records.length === 0) continue
    const written = await options.producer.send({
      topic: options.topics[route],
      messages: records.map((r) => r.message),
      acks: -1,
    })
    // one send: each partition's records were appended in order from its base offset
    const next = new Map(written.map((w) => [w.partition, BigInt(w.baseOffset ?? '0')]))
    for (const { input } of records) {
      const offset = next.get(input.partition)
      if (offset === undefined) throw new Error(`no offset for partition ${input.partition}`)
      next.set(input.partition, offset + 1n)
      inputs.push({ ...input, offset: String(offset) })
    }
  }
  return inputs
}
