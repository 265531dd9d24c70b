import { describe, expect, it } from 'vitest'
import {
  buildFailed,
  buildIssued,
  buildOnchain,
  failure,
} from '../../src/domain/build-output-events.js'
import type { IssuanceCommand } from '../../src/domain/issuance-command.js'

const program = { issuerDid: 'did:air:id:test:issuer', credentialId: 'c-kyc' }
const source = { topic: 'kyc.completed', partition: 0, offset: '7', eventId: 'evt-1' }
const at = new Date('2025-01-02T03:04:05.000Z')

const command: IssuanceCommand = {
  route: 'kyc',
  idempotencyKey: 'a'.repeat(64),
  program,
  email: 'ada@example.com',
  credentialSubject: { level: 2 },
  onDuplicate: 'revoke',
  orderingKey: 'ada@example.com',
  source,
}

const issued = (generation: number, run: string | null = null) =>
  buildIssued({
    command,
    generation,
    response: { coreClaimHash: 'hash-1', credentialId: 'c-kyc', userUuid: 'u-1' },
    onDuplicate: 'revoke',
    attempts: 1,
    issuedAt: at,
    run,
  })

const onchain = (run: string | null) =>
  buildOnchain({
    idempotencyKey: command.idempotencyKey,
    generation: 0,
    route: 'kyc',
    program,
    source,
    coreClaimHash: 'hash-1',
    userUuid: 'u-1',
    status: { coreClaimHash: 'hash-1', vcStatus: 'ONCHAIN' },
    at,
    run,
  })

const failed = (overrides: Partial<Parameters<typeof buildFailed>[0]> = {}) =>
  buildFailed({
    stage: 'issue',
    idempotencyKey: command.idempotencyKey,
    generation: 0,
    route: 'kyc',
    program,
    source,
    failure: failure('MOCA_BAD_REQUEST', 'bad subject', 400, 1),
    at,
    ...overrides,
  })

describe('output event ids', () => {
  it('are the same for the same outcome, so consumers can drop a repeat', () => {
    expect(issued(0).id).toBe(issued(0).id)
    expect(failed().id).toBe(failed().id)
  })

  it('differ per generation: a reissue is a new credential.issued, not a repeat', () => {
    expect(issued(1).id).not.toBe(issued(0).id)
    expect(failed({ generation: 1 }).id).not.toBe(failed().id)
  })

  it('differ per stage and per redrive run, so a later failure of the same key is not dropped', () => {
    expect(failed({ stage: 'confirm' }).id).not.toBe(failed().id)
    expect(failed({ run: 'redrive-1' }).id).not.toBe(failed().id)
    expect(failed({ run: 'redrive-2' }).id).not.toBe(failed({ run: 'redrive-1' }).id)
  })

  it("differ for a replay's or redrive's issuance: a replay past ledger retention issues a new credential", () => {
    expect(issued(0, 'replay-1').id).not.toBe(issued(0).id)
    expect(issued(0, 'replay-1').id).toBe(issued(0, 'replay-1').id)
    expect(onchain('replay-1').id).not.toBe(onchain(null).id)
  })

  it('differ per credential: one key issued twice (on two input partitions) is two credentials', () => {
    const other = buildIssued({
      command,
      generation: 0,
      response: { coreClaimHash: 'hash-2', credentialId: 'c-kyc', userUuid: 'u-1' },
      onDuplicate: 'revoke',
      attempts: 1,
      issuedAt: at,
      run: null,
    })
    expect(other.id).not.toBe(issued(0).id)
    expect(failed({ stage: 'confirm', coreClaimHash: 'hash-2' }).id).not.toBe(
      failed({ stage: 'confirm', coreClaimHash: 'hash-1' }).id,
    )
  })

  it('differ per offset for records that never got an idempotency key', () => {
    const undecodable = (offset: string) =>
      failed({
        stage: 'decode',
        idempotencyKey: null,
        route: null,
        program: null,
        source: { ...source, offset },
      })
    expect(undecodable('8').id).not.toBe(undecodable('9').id)
  })
})
