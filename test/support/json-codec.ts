import type { EventDecoder, EventEncoder } from '../../src/pipeline/ports.js'

/** Reads each record's value as the JSON data of a plain event, `evt-<offset>`. */
export const jsonDecoder: EventDecoder = {
  decode: async (record) => ({
    id: `evt-${record.offset}`,
    type: 'kyc.completed',
    source: '/kyc',
    time: null,
    subject: null,
    data: JSON.parse(record.value!.toString('utf8')) as unknown,
    traceparent: null,
    tracestate: null,
    format: 'json',
  }),
}

/** Writes each output event as JSON, under the key it is given and with no headers. */
export const jsonEncoder: EventEncoder = {
  encode: async (event, context) => ({
    key: context.key,
    value: Buffer.from(JSON.stringify(event)),
    headers: {},
  }),
}
