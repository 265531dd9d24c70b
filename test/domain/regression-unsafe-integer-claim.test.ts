import { describe, expect, it } from 'vitest'
import type { MappingOutcome } from '../../src/domain/map-event.js'
import { kycRoute } from '../support/kyc-route.js'
import { mapInput } from '../support/map-input.js'

/**
 * The failure: JSON.parse rounds integers beyond 2^53. A content-keyed route issued
 * `"acct": 9007199254740993` as 9007199254740992 (a claim the producer never sent), and a later
 * event with 9007199254740992 got the same idempotency key and was skipped as already issued.
 */
const route = (extra: Record<string, unknown> = {}) =>
  kycRoute({ credentialSubject: { acct: 'acct', history: 'history' }, ...extra })

const map = (json: string, routes = [route()]): Promise<MappingOutcome> => mapInput(json, routes)

describe('mapping, an integer JSON numbers cannot carry exactly', () => {
  it('fails the event as INPUT_INVALID, naming the field and asking for a string', async () => {
    const outcome = await map('{"email":"a@example.com","acct":9007199254740993}')
    expect(outcome.kind).toBe('failed')
    if (outcome.kind !== 'failed') return
    expect(outcome.error.code).toBe('INPUT_INVALID')
    expect(outcome.error.message).toContain('credentialSubject.acct')
    expect(outcome.error.message).toContain('as a string')
  })

  it('finds one nested in arrays and objects, negative too, in event-id mode too', async () => {
    const outcome = await map(
      '{"id":"e1","email":"a@example.com","acct":1,"history":[{"n":1},{"n":-9007199254740992}]}',
      [route({ idempotency: { mode: 'event-id', eventId: '$event.id' } })],
    )
    expect(outcome.kind).toBe('failed')
    if (outcome.kind !== 'failed') return
    expect(outcome.error.code).toBe('INPUT_INVALID')
    expect(outcome.error.message).toContain('credentialSubject.history[1].n')
  })

  it('issues safe integers and fractions as before', async () => {
    const outcome = await map('{"email":"a@example.com","acct":9007199254740991,"history":[1.5]}')
    expect(outcome.kind).toBe('command')
    if (outcome.kind !== 'command') return
    expect(outcome.command.credentialSubject).toEqual({
      acct: 9007199254740991,
      history: [1.5],
    })
  })
})
