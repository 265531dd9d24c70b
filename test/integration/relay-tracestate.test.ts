import { describe, expect, it } from 'vitest'
import { startRelayFixture } from '../support/relay-fixture.js'

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
const TRACESTATE = 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE'

describe('W3C tracestate, passed on beside traceparent', () => {
  it('reaches credential.issued, credential.onchain and credential.failed; an invalid one is dropped', async () => {
    // The relay passed an input's traceparent on to every record it wrote but dropped its
    // tracestate: the vendor part of the trace context was lost at the relay.
    const fixture = await startRelayFixture({
      partitions: 1,
      sandbox: { config: { users: [{ email: 'refused@example.com', consentRejected: true }] } },
    })
    const kyc = (email: string, tracestate: string) => ({
      key: email.split('@')[0]!,
      value: JSON.stringify({ user: { email }, level: 1 }),
      headers: { traceparent: TRACEPARENT, tracestate },
    })
    await fixture.produce(fixture.topics.kyc, [
      kyc('traced@example.com', TRACESTATE),
      kyc('refused@example.com', TRACESTATE),
      // an upper-case key is not a tracestate key: the list is dropped, the traceparent kept
      kyc('invalid@example.com', 'Rojo=00f067aa0ba902b7'),
    ])
    await fixture.startRelay()
    const out = await fixture.readOutputs((e) => e.onchain.length >= 2 && e.failed.length >= 1)

    const headersOf = (topic: string, key: string) => {
      const records = out.records.filter((r) => r.topic === topic && r.key === key)
      expect(records, `${topic} ${key}`).toHaveLength(1)
      const { headers } = records[0]!
      return {
        traceparent: headers.traceparent?.toString() ?? null,
        tracestate: headers.tracestate?.toString() ?? null,
      }
    }
    const both = { traceparent: TRACEPARENT, tracestate: TRACESTATE }
    expect(headersOf(fixture.topics.issued, 'traced')).toEqual(both)
    // credential.onchain is written by the confirm stage, from the confirm request.
    expect(headersOf(fixture.topics.onchain, 'traced')).toEqual(both)
    expect(headersOf(fixture.topics.failed, 'refused')).toEqual(both)
    const dropped = { traceparent: TRACEPARENT, tracestate: null }
    expect(headersOf(fixture.topics.issued, 'invalid')).toEqual(dropped)
    expect(headersOf(fixture.topics.onchain, 'invalid')).toEqual(dropped)
  }, 60_000)
})
