import { describe, expect, it } from 'vitest'
import type { MappingOutcome } from '../../src/domain/map-event.js'
import { kycRoute } from '../support/kyc-route.js'
import { mapInput } from '../support/map-input.js'

/**
 * The failure: an email with a lone surrogate escape (`"\ud800x@example.com"`) was accepted.
 * UTF-8 cannot encode a lone surrogate, so on its way to MocaChain it became
 * `\uFFFDx@example.com`, as did `"\udc00x@example.com"`: two different keys for one MocaChain
 * user, and the second issuance revoked the first one's credential.
 */
const map = (json: string): Promise<MappingOutcome> => mapInput(json, [kycRoute()])

describe('mapping, an email holding a lone UTF-16 surrogate', () => {
  it.each(['\\ud800x@example.com', '\\udc00x@example.com', 'x@exa\\udbffmple.com'])(
    'fails %s as INPUT_INVALID, saying it is not well-formed Unicode',
    async (email) => {
      const outcome = await map(`{"email":"${email}","level":1}`)
      expect(outcome.kind).toBe('failed')
      if (outcome.kind !== 'failed') return
      expect(outcome.error.code).toBe('INPUT_INVALID')
      expect(outcome.error.message).toContain('lone surrogate')
    },
  )

  it('accepts a surrogate pair (an astral character) as before', async () => {
    const outcome = await map('{"email":"\\ud83d\\ude00x@example.com","level":1}')
    expect(outcome.kind).toBe('command')
  })
})
