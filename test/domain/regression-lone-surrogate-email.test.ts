import { describe, expect, it } from 'vitest'
import { RouteConfig } from '../../src/config/relay-config.js'
import { compileRoutes } from '../../src/domain/compile-routes.js'
import { toCommand, type MappingOutcome } from '../../src/domain/map-event.js'
import { createInputDecoder } from '../../src/kafka/input-decoder.js'

/**
 * The failure: an email with a lone surrogate escape (`"\ud800x@example.com"`) was accepted.
 * UTF-8 cannot encode a lone surrogate, so on its way to MocaChain it became
 * `\uFFFDx@example.com`, as did `"\udc00x@example.com"`: two different keys for one MocaChain
 * user, and the second issuance revoked the first one's credential.
 */
const [route] = compileRoutes([
  RouteConfig.parse({
    name: 'kyc',
    topics: ['t'],
    program: { issuerDid: 'did:air:id:test:issuer', credentialId: 'c-kyc' },
    email: 'email',
    credentialSubject: { level: 'level' },
  }),
])
const decoder = createInputDecoder({ registry: null, maxRecordBytes: 1_000_000 })

async function map(json: string): Promise<MappingOutcome> {
  const record = {
    topic: 't',
    partition: 0,
    offset: '1',
    key: null,
    value: Buffer.from(json),
    headers: {},
    timestamp: '0',
  }
  return toCommand(await decoder.decode(record), { ...record, key: null }, [route!])
}

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
