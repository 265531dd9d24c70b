import { describe, expect, it } from 'vitest'
import type { OutputEventType } from '../../src/domain/output-events.js'
import { RelayError } from '../../src/errors/relay-error.js'
import { createInputDecoder } from '../../src/kafka/input-decoder.js'
import { createOutputEncoder } from '../../src/kafka/output-encoder.js'
import {
  allOutputEventSamples,
  issuedSample,
  undecodableFailedSample,
} from '../fixtures/output-event-samples.js'

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
const SOURCE = '/moca-relay/relay-group'
const topicFor = (type: OutputEventType) => type

describe('output encoder, json format', () => {
  it('writes the event as UTF-8 JSON with CloudEvents binary-mode headers', async () => {
    const encoder = await createOutputEncoder({
      format: 'json',
      source: SOURCE,
      registry: null,
      topicFor,
    })
    const key = Buffer.from('user-1')
    const record = await encoder.encode(issuedSample, {
      key,
      traceparent: TRACEPARENT,
      tracestate: null,
    })
    expect(record.key).toBe(key)
    expect(JSON.parse(record.value.toString('utf8'))).toEqual(issuedSample)
    expect(record.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: issuedSample.id,
      ce_type: 'credential.issued',
      ce_source: SOURCE,
      ce_time: issuedSample.time,
      ce_subject: issuedSample.idempotencyKey,
      ce_dataschema: 'urn:moca-relay:schema:credential.issued.schema.json',
      'content-type': 'application/json',
      traceparent: TRACEPARENT,
    })
  })

  it('leaves out ce_subject without an idempotency key and traceparent when absent or invalid', async () => {
    const encoder = await createOutputEncoder({
      format: 'json',
      source: SOURCE,
      registry: null,
      topicFor,
    })
    const none = await encoder.encode(undecodableFailedSample, {
      key: null,
      traceparent: null,
      tracestate: null,
    })
    expect(none.key).toBeNull()
    expect(none.headers).not.toHaveProperty('ce_subject')
    expect(none.headers).not.toHaveProperty('traceparent')
    const invalid = await encoder.encode(issuedSample, {
      key: null,
      traceparent: 'not-a-trace',
      tracestate: null,
    })
    expect(invalid.headers).not.toHaveProperty('traceparent')
  })

  it('writes a valid tracestate beside a valid traceparent, and drops it otherwise', async () => {
    const encoder = await createOutputEncoder({
      format: 'json',
      source: SOURCE,
      registry: null,
      topicFor,
    })
    const headers = async (traceparent: string | null, tracestate: string | null) => {
      const { headers } = await encoder.encode(issuedSample, { key: null, traceparent, tracestate })
      return { traceparent: headers.traceparent, tracestate: headers.tracestate }
    }
    expect(await headers(TRACEPARENT, 'rojo=1,congo=2')).toEqual({
      traceparent: TRACEPARENT,
      tracestate: 'rojo=1,congo=2',
    })
    expect(await headers(TRACEPARENT, 'rojo=1,rojo=2')).toEqual({
      traceparent: TRACEPARENT,
      tracestate: undefined,
    })
    expect(await headers('not-a-trace', 'rojo=1')).toEqual({
      traceparent: undefined,
      tracestate: undefined,
    })
  })

  it.each(allOutputEventSamples.map((event) => [`${event.type} ${event.id}`, event] as const))(
    "writes %s so that the relay's own decoder reads it back as a binary-mode CloudEvent",
    async (_label, event) => {
      const encoder = await createOutputEncoder({
        format: 'json',
        source: SOURCE,
        registry: null,
        topicFor,
      })
      const decoder = createInputDecoder({ registry: null, maxRecordBytes: 1024 * 1024 })
      const encoded = await encoder.encode(event, {
        key: null,
        traceparent: TRACEPARENT,
        tracestate: 'rojo=00f067aa0ba902b7',
      })
      const decoded = await decoder.decode({
        topic: event.type,
        partition: 0,
        offset: '0',
        key: encoded.key,
        value: encoded.value,
        headers: encoded.headers,
        timestamp: '0',
      })
      expect(decoded).toEqual({
        id: event.id,
        type: event.type,
        source: SOURCE,
        time: event.time,
        subject: event.idempotencyKey,
        data: event,
        traceparent: TRACEPARENT,
        tracestate: 'rojo=00f067aa0ba902b7',
        format: 'cloudevents-binary',
      })
    },
  )

  it('refuses a registry format without a registry, and an empty source', async () => {
    for (const format of ['avro', 'json-schema'] as const) {
      const err = await createOutputEncoder({
        format,
        source: SOURCE,
        registry: null,
        topicFor,
      }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(RelayError)
      expect(err).toMatchObject({ code: 'CONFIG_INVALID', classification: 'systemic' })
      expect((err as Error).message).toContain('SCHEMA_REGISTRY_URL')
    }
    await expect(
      createOutputEncoder({ format: 'json', source: ' ', registry: null, topicFor }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID' })
  })
})
