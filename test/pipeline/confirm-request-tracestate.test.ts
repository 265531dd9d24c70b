import { describe, expect, it } from 'vitest'
import {
  CONFIRM_REQUEST_VERSION,
  encodeConfirmRequest,
  readConfirmRequest,
  type ConfirmRequest,
} from '../../src/pipeline/confirm-request.js'

const request: ConfirmRequest = {
  v: 1,
  idempotencyKey: 'key-1',
  generation: 0,
  route: 'kyc',
  program: { issuerDid: 'did:air:id:test:kycIssuer', credentialId: 'c-kyc' },
  email: 'jane@example.com',
  orderingKey: 'jane@example.com',
  coreClaimHash: 'hash-1',
  userUuid: 'uuid-1',
  issuedAt: 1,
  source: { topic: 'kyc', partition: 0, offset: '7', eventId: null },
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
}

describe('confirm request: tracestate', () => {
  it('is an optional field: the version stays, and a request without it reads as before', () => {
    expect(CONFIRM_REQUEST_VERSION).toBe(1)
    expect(readConfirmRequest(encodeConfirmRequest(request))).toEqual({ kind: 'request', request })
    const traced = { ...request, tracestate: 'rojo=1' }
    expect(readConfirmRequest(encodeConfirmRequest(traced))).toEqual({
      kind: 'request',
      request: traced,
    })
  })

  it('that is not a string is dropped, and the request still acted on', () => {
    const value = Buffer.from(JSON.stringify({ ...request, tracestate: 42 }))
    expect(readConfirmRequest(value)).toEqual({ kind: 'request', request })
  })
})
