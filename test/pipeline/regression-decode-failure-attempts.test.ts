import { describe, expect, it } from 'vitest'
import { RelayError } from '../../src/errors/relay-error.js'
import { inputFailureWrites } from '../../src/pipeline/issue-outcomes.js'

/**
 * The failure: a record that could not be decoded or mapped never reached MocaChain, yet its
 * credential.failed says `failure.attempts: 1` (issue-outcomes.ts inputFailureWrites passes a
 * literal 1). The published contract (schemas/credential.failed.schema.json and .avsc) says
 * attempts is "how many calls to MocaChain were made before giving up; 0 when none was made
 * (e.g. undecodable input)", so downstream counting calls per failure, or telling "MocaChain saw
 * it" from "never sent", is misled.
 */
describe('output, credential.failed for an undecodable record', () => {
  it('says no call was made (attempts 0)', async () => {
    const writes = await inputFailureWrites(
      {
        encoder: {
          encode: async (event, context) => ({
            key: context.key,
            value: Buffer.from(JSON.stringify(event)),
            headers: {},
          }),
        },
        topics: { issued: 'credential.issued', failed: 'credential.failed', confirmQueue: 'q' },
        run: null,
        ledger: { topic: 'ledger', partition: 0 },
      },
      {
        record: {
          topic: 'kyc.completed',
          partition: 0,
          offset: '3',
          key: Buffer.from('k'),
          value: Buffer.from('{'),
          headers: {},
          timestamp: '0',
        },
        ledgerKey: '@offset:3',
        error: new RelayError('INPUT_UNDECODABLE', 'not JSON', { classification: 'terminal' }),
        route: null,
        eventId: null,
        traceparent: null,
        tracestate: null,
      },
      new Date(0),
    )
    const failed = writes.records.find((r) => r.topic === 'credential.failed')!
    const event = JSON.parse(failed.value!.toString('utf8')) as { failure: { attempts: number } }
    expect(event.failure.attempts).toBe(0)
  })
})
