import { describe, expect, it } from 'vitest'
import type { DomainEvent } from '../../src/domain/domain-event.js'
import { compileExpression, type EventBindings } from '../../src/domain/expression.js'
import { toCommand } from '../../src/domain/map-event.js'
import { kycRoute } from '../support/kyc-route.js'

/**
 * The failure: the fast path for plain field paths read `object[name]`, inherited members
 * included. The filter `user.constructor` held for an event without that field (it found
 * Object), and the event then failed as "credentialSubject holds a value JSON cannot carry …
 * function". JSONata itself gives nothing for a member the data does not hold.
 */
const bindings: EventBindings = {
  id: 'e1',
  type: 't',
  source: '/s',
  time: null,
  subject: null,
  topic: 't',
  partition: 0,
  offset: '1',
  key: null,
}

function event(data: unknown): DomainEvent {
  return {
    id: 'e1',
    type: 't',
    source: '/s',
    time: null,
    subject: null,
    data,
    traceparent: null,
    tracestate: null,
    format: 'json',
  }
}

describe('expressions, a path naming a member the data does not hold', () => {
  it('skips the event as filtered when the filter reads an inherited member', async () => {
    const routes = [kycRoute({ filter: 'user.constructor' })]
    const outcome = await toCommand(event({ email: 'a@example.com', user: {} }), bindings, routes)
    expect(outcome).toEqual({ kind: 'skipped', reason: 'filtered', route: 'kyc' })
  })

  it.each([
    'user.constructor',
    'user.toString',
    'user.__proto__',
    '$event.constructor',
    '$event.hasOwnProperty',
  ])('%s gives nothing, as JSONata does', async (source) => {
    expect(await compileExpression(source).evaluate({ user: {} }, bindings)).toBeUndefined()
  })

  it('still reads own members, __proto__ included when the JSON holds it', async () => {
    const data = JSON.parse('{"user":{"constructor":"c","__proto__":{"x":1}}}') as unknown
    expect(await compileExpression('user.constructor').evaluate(data, bindings)).toBe('c')
    expect(await compileExpression('user.__proto__.x').evaluate(data, bindings)).toBe(1)
  })
})
