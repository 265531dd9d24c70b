import { describe, expect, it } from 'vitest'
import {
  judgeTrial,
  type ChaosInput,
  type JudgeInput,
  type OutputRecord,
} from '../../bench/chaos/judge.js'
import type { OutputEvent } from '../../src/domain/output-events.js'
import type { IssueCallRecord } from '../../src/sandbox/call-log.js'

const TOPIC = 'in'

function input(offset: number, orderingKey: string | null = 'a@x.io'): ChaosInput {
  return {
    topic: TOPIC,
    partition: 0,
    offset: String(offset),
    orderingKey,
    expect: orderingKey === null ? 'failed' : 'onchain',
  }
}

const base = (offset: number, type: OutputEvent['type']) => ({
  id: `${type}-${offset}`,
  time: '2026-11-26T00:00:00.000Z',
  idempotencyKey: `key-${offset}`,
  generation: 0,
  route: 'kyc',
  credentialId: 'c1',
  issuerDid: 'did:air:id:test:x',
  source: { topic: TOPIC, partition: 0, offset: String(offset), eventId: null },
})

function issued(offset: number): OutputEvent {
  return {
    ...base(offset, 'credential.issued'),
    type: 'credential.issued',
    coreClaimHash: `hash-${offset}`,
    userUuid: 'u1',
    onDuplicate: 'revoke',
    attempts: 1,
    emailMasked: 'a***@x.io',
    issuedAt: '2026-11-26T00:00:00.000Z',
  } as OutputEvent
}

function onchain(offset: number): OutputEvent {
  return {
    ...base(offset, 'credential.onchain'),
    type: 'credential.onchain',
    coreClaimHash: `hash-${offset}`,
    userUuid: 'u1',
    vcId: null,
    issuanceDate: null,
    vcStatus: 'ONCHAIN',
  } as OutputEvent
}

function failed(offset: number, decode = false): OutputEvent {
  return {
    ...base(offset, 'credential.failed'),
    ...(decode ? { idempotencyKey: null } : {}),
    type: 'credential.failed',
    stage: decode ? 'decode' : 'issue',
    coreClaimHash: null,
    userUuid: null,
    failure: { code: 'INPUT_UNDECODABLE', httpStatus: null, message: 'bad', attempts: 1 },
  } as OutputEvent
}

/** Output records in the order given, each topic's offsets counted from 0. */
function records(events: readonly OutputEvent[]): OutputRecord[] {
  const next = new Map<string, number>()
  return events.map((event) => {
    const offset = next.get(event.type) ?? 0
    next.set(event.type, offset + 1)
    return { topic: event.type, partition: 0, offset: String(offset), event }
  })
}

let seq = 0
function call(offset: number, fields: Partial<IssueCallRecord> = {}): IssueCallRecord {
  seq += 1
  return {
    seq,
    at: '2026-11-26T00:00:00.000Z',
    email: 'a@x.io',
    issuerDid: 'did:air:id:test:x',
    credentialId: 'c1',
    onDuplicate: 'revoke',
    idempotencyKey: `key-${offset}`,
    httpStatus: 200,
    outcome: 'answered',
    fault: null,
    applied: true,
    action: 'issued',
    coreClaimHash: `hash-${offset}`,
    revokedCoreClaimHash: null,
    reason: null,
    ...fields,
  }
}

/** Three valid inputs of one user and one undecodable record, all handled as they should be. */
function cleanTrial(): JudgeInput {
  return {
    inputs: [input(0), input(1), input(2), input(3, null)],
    outputs: records([
      issued(0),
      issued(1),
      issued(2),
      failed(3, true),
      onchain(0),
      onchain(1),
      onchain(2),
    ]),
    calls: [call(0), call(1, { httpStatus: 503, applied: false, action: null }), call(1), call(2)],
  }
}

describe('the chaos judge', () => {
  it('passes a trial where every input ended once, in order, with one revoke per key', () => {
    const verdict = judgeTrial(cleanTrial())
    expect(verdict.ok).toBe(true)
    expect(verdict.lost.count + verdict.duplicateOutputs.count).toBe(0)
    expect(verdict.duplicateRevokes.count + verdict.orderViolations.count).toBe(0)
  })

  it('counts an input with no output as lost', () => {
    const trial = cleanTrial()
    const verdict = judgeTrial({
      ...trial,
      outputs: trial.outputs.filter((r) => r.event.source.offset !== '1'),
    })
    expect(verdict.ok).toBe(false)
    expect(verdict.lost.count).toBe(1)
    expect(verdict.lost.examples[0]).toMatch(/in\/0@1: no output at all/)
  })

  it('counts an input that was issued but never confirmed nor failed', () => {
    const trial = cleanTrial()
    const verdict = judgeTrial({
      ...trial,
      outputs: trial.outputs.filter((r) => r.event.id !== 'credential.onchain-2'),
    })
    expect(verdict.lost.count).toBe(1)
    expect(verdict.lost.examples[0]).toMatch(/issued but neither onchain nor failed/)
  })

  it('counts onchain without issued, and both onchain and failed, as not accounted for', () => {
    const trial = cleanTrial()
    const verdict = judgeTrial({
      ...trial,
      outputs: records([
        ...trial.outputs.map((r) => r.event).filter((e) => e.id !== 'credential.issued-0'),
        failed(1),
      ]),
    })
    expect(verdict.lost.count).toBe(2)
    expect(verdict.lost.examples.join('\n')).toMatch(/onchain without credential.issued/)
    expect(verdict.lost.examples.join('\n')).toMatch(/both onchain and failed/)
  })

  it('accepts a valid input that failed with a reason, and tallies its code', () => {
    const trial = cleanTrial()
    const verdict = judgeTrial({
      ...trial,
      outputs: records([
        ...trial.outputs.map((r) => r.event).filter((e) => e.source.offset !== '2'),
        failed(2),
      ]),
    })
    expect(verdict.ok).toBe(true)
    expect(verdict.failedByCode).toEqual({ INPUT_UNDECODABLE: 1 })
  })

  it('counts a second applied revoke of one key, but not a refused one', () => {
    const trial = cleanTrial()
    const verdict = judgeTrial({
      ...trial,
      calls: [...trial.calls, call(2, { onDuplicate: 'ignore', applied: false }), call(2)],
    })
    expect(verdict.ok).toBe(false)
    expect(verdict.duplicateRevokes.count).toBe(1)
    expect(verdict.duplicateRevokes.examples[0]).toMatch(/key key-2: applied revoke #2/)
  })

  it('counts an output event read twice, by id and by outcome', () => {
    const trial = cleanTrial()
    const again = { ...onchain(1), id: 'another-id' } as OutputEvent
    const verdict = judgeTrial({
      ...trial,
      outputs: records([...trial.outputs.map((r) => r.event), issued(0), again]),
    })
    expect(verdict.duplicateOutputs.count).toBe(2)
    expect(verdict.duplicateOutputs.examples.join('\n')).toMatch(/event id credential.issued-0/)
    expect(verdict.duplicateOutputs.examples.join('\n')).toMatch(
      /a second credential.onchain of key-1/,
    )
    // a repeated delivery is a duplicate, not a second outcome of the input
    expect(verdict.lost.count).toBe(0)
  })

  it('counts credential.issued events of one user out of offset order', () => {
    const trial = cleanTrial()
    const verdict = judgeTrial({
      ...trial,
      outputs: records([
        issued(0),
        issued(2),
        issued(1),
        failed(3, true),
        onchain(0),
        onchain(1),
        onchain(2),
      ]),
    })
    expect(verdict.orderViolations.count).toBe(1)
    expect(verdict.orderViolations.examples[0]).toMatch(
      /credential.issued for offset 1 after offset 2/,
    )
  })

  it('counts applied issue calls of one user out of offset order', () => {
    const trial = cleanTrial()
    const verdict = judgeTrial({ ...trial, calls: [call(0), call(2), call(1)] })
    expect(verdict.orderViolations.count).toBe(1)
    expect(verdict.orderViolations.examples[0]).toMatch(/applied issue call for offset 1/)
  })

  it('does not order different users, nor different partitions, against each other', () => {
    const trial = cleanTrial()
    const other = { ...input(1), orderingKey: 'b@x.io' }
    const verdict = judgeTrial({
      ...trial,
      inputs: [trial.inputs[0]!, other, trial.inputs[2]!, trial.inputs[3]!],
      calls: [call(0), call(2), call(1)],
    })
    expect(verdict.orderViolations.count).toBe(0)
  })
})
