import { describe, expect, it } from 'vitest'
import { challengeStatus, initialResponse } from '../../src/kafka/oauthbearer-authenticator.js'

describe('SASL/OAUTHBEARER messages (RFC 7628)', () => {
  it('frames the token and each extension with SOH separators, ending with two', () => {
    expect(initialResponse({ value: 'tok' })).toBe('n,,\u0001auth=Bearer tok\u0001\u0001')
    expect(
      initialResponse({
        value: 'tok',
        extensions: { logicalCluster: 'lkc-1', identityPoolId: 'p' },
      }),
    ).toBe('n,,\u0001auth=Bearer tok\u0001logicalCluster=lkc-1\u0001identityPoolId=p\u0001\u0001')
  })

  it("reads the broker's error challenge: its status, and the scope it asks for", () => {
    expect(challengeStatus(Buffer.from('{"status":"invalid_token"}'))).toBe('invalid_token')
    expect(challengeStatus(Buffer.from('{"status":"insufficient_scope","scope":"kafka"}'))).toBe(
      'insufficient_scope, scope needed: kafka',
    )
    expect(challengeStatus(Buffer.from('not json'))).toBe('not json')
  })
})
