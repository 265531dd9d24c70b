import { describe, expect, it } from 'vitest'
import type { MappingOutcome } from '../../src/domain/map-event.js'
import type { InputRecord } from '../../src/kafka/input-record.js'
import { kycRoute } from '../support/kyc-route.js'
import { mapInput } from '../support/map-input.js'

/**
 * The failure: a structured CloudEvent whose `data` is JSON text in a string
 * (`"data": "{\"email\":…}"`) failed as "the email expression "email" gave nothing (the field is
 * missing)": the producer was sent looking for a field that is there, inside a string.
 */
const CE = { specversion: '1.0', id: 'e1', type: 't', source: '/s' }

const map = (value: string, headers: InputRecord['headers']): Promise<MappingOutcome> =>
  mapInput(value, [kycRoute()], headers)

describe('mapping, CloudEvent data that is a string', () => {
  it('says that structured data is a string and how to send it', async () => {
    const data = JSON.stringify({ email: 'a@example.com', level: 1 })
    const outcome = await map(
      JSON.stringify({ ...CE, datacontenttype: 'application/json', data }),
      { 'content-type': 'application/cloudevents+json' },
    )
    expect(outcome.kind).toBe('failed')
    if (outcome.kind !== 'failed') return
    expect(outcome.error.code).toBe('INPUT_INVALID')
    expect(outcome.error.message).toContain("the event's data is a string, not a JSON object")
    expect(outcome.error.message).toContain('"data": {')
    expect(outcome.error.message).toContain('binary mode')
    expect(outcome.error.message).not.toContain('the field is missing')
  })

  it('says so in binary mode too, where the value is a JSON string', async () => {
    const outcome = await map('"a@example.com"', {
      ce_specversion: '1.0',
      ce_id: 'e1',
      ce_type: 't',
      ce_source: '/s',
    })
    expect(outcome.kind === 'failed' && outcome.error.message).toContain(
      "the event's data is a string, not a JSON object",
    )
  })
})
