import { describe, expect, it } from 'vitest'
import { RelayError } from '../../src/errors/relay-error.js'
import { createInputDecoder } from '../../src/kafka/input-decoder.js'
import type { InputRecord } from '../../src/kafka/input-record.js'

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
const OTHER_TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'

function record(value: Buffer | string | null, headers: InputRecord['headers'] = {}): InputRecord {
  return {
    topic: 'kyc.completed',
    partition: 3,
    offset: '42',
    key: Buffer.from('user-1'),
    value: typeof value === 'string' ? Buffer.from(value) : value,
    headers,
    timestamp: '1735689600000',
  }
}

async function decodeError(value: Buffer | string | null, headers: InputRecord['headers'] = {}) {
  const decoder = createInputDecoder({ registry: null, maxRecordBytes: 1024 })
  const err = await decoder.decode(record(value, headers)).catch((e: unknown) => e)
  expect(err).toBeInstanceOf(RelayError)
  return err as RelayError
}

describe('input decoder: plain JSON', () => {
  const decoder = createInputDecoder({ registry: null, maxRecordBytes: 1024 })

  it('takes id/type from id and type, the rest when present, and keeps the whole object', async () => {
    const value = {
      id: 'evt-1',
      type: 'kyc.completed',
      source: '/kyc',
      time: '2025-01-01T00:00:00Z',
      subject: 'user-1',
      email: 'jane@example.com',
    }
    expect(await decoder.decode(record(JSON.stringify(value)))).toEqual({
      id: 'evt-1',
      type: 'kyc.completed',
      source: '/kyc',
      time: '2025-01-01T00:00:00Z',
      subject: 'user-1',
      data: value,
      traceparent: null,
      tracestate: null,
      format: 'json',
    })
  })

  it('falls back to eventId and eventType, and ignores non-string ids', async () => {
    const event = await decoder.decode(
      record(JSON.stringify({ id: 7, eventId: 'evt-2', eventType: 'member.joined', time: 5 })),
    )
    expect(event).toMatchObject({ id: 'evt-2', type: 'member.joined', time: null, source: null })
  })

  it('reads a traceparent header given as a Buffer, under any letter case', async () => {
    const event = await decoder.decode(record('{"a":1}', { TraceParent: Buffer.from(TRACEPARENT) }))
    expect(event.traceparent).toBe(TRACEPARENT)
  })

  it.each(['id', 'type', 'source'])(
    'treats an object with specversion but without %s as plain JSON',
    async (missing) => {
      const value: Record<string, string> = {
        specversion: '1.0',
        id: 'x',
        type: 'kyc.completed',
        source: '/kyc',
        email: 'a@b.c',
      }
      delete value[missing]
      const event = await decoder.decode(record(JSON.stringify(value)))
      expect(event).toMatchObject({ format: 'json', data: value })
    },
  )

  it('reads a JSON object carrying ce_* headers but no ce_specversion as plain JSON', async () => {
    const event = await decoder.decode(
      record('{"id":"evt-5","email":"jane@example.com"}', { ce_type: 'kyc.completed' }),
    )
    expect(event).toMatchObject({ format: 'json', id: 'evt-5' })
  })

  it('accepts a value of exactly maxRecordBytes and refuses one byte more', async () => {
    const small = createInputDecoder({ registry: null, maxRecordBytes: 20 })
    const exact = `{"a":"${'x'.repeat(12)}"}`
    expect(Buffer.byteLength(exact)).toBe(20)
    await expect(small.decode(record(exact))).resolves.toMatchObject({ format: 'json' })
    const err = await small.decode(record(`{"a":"${'x'.repeat(13)}"}`)).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'INPUT_TOO_LARGE', classification: 'terminal' })
    expect((err as Error).message).toContain('21 bytes')
    expect((err as Error).message).toContain('limit of 20 bytes')
  })

  it('reports the byte offset of invalid UTF-8, counting a byte order mark', async () => {
    const value = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('{"name":"Jan'),
      Buffer.from([0xc3]),
      Buffer.from('"}'),
    ])
    const err = await decodeError(value)
    expect(err.code).toBe('INPUT_UNDECODABLE')
    expect(err.message).toContain('at byte 15')
  })

  it('reports the byte offset of a JSON syntax error after multi-byte characters', async () => {
    const err = await decodeError('{"name":"Jané 😀" "x":1}')
    expect(err.code).toBe('INPUT_UNDECODABLE')
    // 9 bytes of '{"name":"', "Jané" is 5 bytes, " " 1, the emoji 4, the quote 1, the space 1.
    expect(err.message).toContain('at byte 21')
    expect(err.message).toContain("expected ',' or '}'")
  })

  it('names the schema id and the fix for wire-format values without a registry', async () => {
    const value = Buffer.concat([Buffer.from([0, 0, 0, 1, 44]), Buffer.from('payload')])
    const err = await decodeError(value)
    expect(err.code).toBe('INPUT_UNDECODABLE')
    expect(err.message).toContain('schema id 300')
    expect(err.message).toContain('set SCHEMA_REGISTRY_URL')
  })

  it('says a value starting with 0x00 is too short for the wire format, not bad JSON', async () => {
    const err = await decodeError(Buffer.from([0, 0, 1]))
    expect(err.code).toBe('INPUT_UNDECODABLE')
    expect(err.message).toContain('only 3 bytes')
    expect(err.message).toContain('Fix the producer')
  })

  it('refuses a non-positive record limit at construction', () => {
    expect(() => createInputDecoder({ registry: null, maxRecordBytes: 0 })).toThrow(RangeError)
  })
})

describe('input decoder: CloudEvents binary mode', () => {
  const decoder = createInputDecoder({ registry: null, maxRecordBytes: 1024 })
  const headers = {
    ce_specversion: Buffer.from('1.0'),
    ce_id: Buffer.from('evt-9'),
    ce_type: Buffer.from('kyc.completed'),
    ce_source: Buffer.from('/kyc'),
    ce_time: Buffer.from('2025-01-01T00:00:00Z'),
    ce_subject: Buffer.from('user-9'),
  }

  it('takes attributes from ce_* headers and the data from the value', async () => {
    const event = await decoder.decode(
      record('{"email":"jane@example.com"}', {
        ...headers,
        'content-type': Buffer.from('application/json; charset=utf-8'),
        ce_traceparent: Buffer.from(TRACEPARENT),
      }),
    )
    expect(event).toEqual({
      id: 'evt-9',
      type: 'kyc.completed',
      source: '/kyc',
      time: '2025-01-01T00:00:00Z',
      subject: 'user-9',
      data: { email: 'jane@example.com' },
      traceparent: TRACEPARENT,
      tracestate: null,
      format: 'cloudevents-binary',
    })
  })

  it('prefers the traceparent header over the ce_traceparent extension', async () => {
    const event = await decoder.decode(
      record('{}', { ...headers, traceparent: TRACEPARENT, ce_traceparent: OTHER_TRACEPARENT }),
    )
    expect(event.traceparent).toBe(TRACEPARENT)
  })

  it('falls back to the extension when the header is invalid', async () => {
    const event = await decoder.decode(
      record('{}', { ...headers, traceparent: 'garbage', ce_traceparent: OTHER_TRACEPARENT }),
    )
    expect(event.traceparent).toBe(OTHER_TRACEPARENT)
  })

  it('takes the tracestate from where the traceparent came, and only beside a valid one', async () => {
    const decode = async (more: Record<string, string>) => {
      const event = await decoder.decode(record('{}', { ...headers, ...more }))
      return { traceparent: event.traceparent, tracestate: event.tracestate }
    }
    expect(await decode({ traceparent: TRACEPARENT, tracestate: 'rojo=1' })).toEqual({
      traceparent: TRACEPARENT,
      tracestate: 'rojo=1',
    })
    // The header context wins whole: the extension's tracestate belongs to another parent.
    expect(
      await decode({
        traceparent: TRACEPARENT,
        ce_traceparent: OTHER_TRACEPARENT,
        ce_tracestate: 'congo=2',
      }),
    ).toEqual({ traceparent: TRACEPARENT, tracestate: null })
    expect(
      await decode({
        traceparent: 'garbage',
        tracestate: 'rojo=1',
        ce_traceparent: OTHER_TRACEPARENT,
        ce_tracestate: 'congo=2',
      }),
    ).toEqual({ traceparent: OTHER_TRACEPARENT, tracestate: 'congo=2' })
    // No valid traceparent: the tracestate means nothing and is dropped.
    expect(await decode({ traceparent: 'garbage', tracestate: 'rojo=1' })).toEqual({
      traceparent: null,
      tracestate: null,
    })
    // An invalid tracestate is dropped, the record and its traceparent are kept.
    expect(await decode({ traceparent: TRACEPARENT, tracestate: 'Rojo=1' })).toEqual({
      traceparent: TRACEPARENT,
      tracestate: null,
    })
  })

  it('reads JSON data of any JSON type: CloudEvents data need not be an object', async () => {
    const event = await decoder.decode(record('[1,2]', { ...headers, 'content-type': 'text/json' }))
    expect(event.data).toEqual([1, 2])
  })

  it.each(['Application/JSON; charset=UTF-8', 'application/vnd.kyc.completed+json'])(
    'reads the data as JSON under content-type %s (media types are case-insensitive; +json is JSON)',
    async (contentType) => {
      const event = await decoder.decode(
        record('{"email":"jane@example.com"}', { ...headers, 'content-type': contentType }),
      )
      expect(event.data).toEqual({ email: 'jane@example.com' })
    },
  )

  it('names the header and the byte in a non-UTF-8 attribute', async () => {
    const err = await decodeError('{}', { ...headers, ce_type: Buffer.from([0x6b, 0x79, 0xff]) })
    expect(err.code).toBe('INPUT_INVALID')
    expect(err.message).toContain('header ce_type')
    expect(err.message).toContain('byte 2')
  })
})

describe('input decoder: CloudEvents structured mode', () => {
  const decoder = createInputDecoder({ registry: null, maxRecordBytes: 1024 })
  const event = {
    specversion: '1.0',
    id: 'evt-3',
    type: 'kyc.completed',
    source: '/kyc',
    subject: 'user-3',
    datacontenttype: 'application/json',
    traceparent: TRACEPARENT,
    tracestate: 'congo=t61rcWkgMzE',
    data: { email: 'jane@example.com' },
  }

  it('reads attributes and data from the value when the content type says so', async () => {
    const decoded = await decoder.decode(
      record(JSON.stringify(event), {
        'Content-Type': 'application/cloudevents+json; charset=UTF-8',
      }),
    )
    expect(decoded).toEqual({
      id: 'evt-3',
      type: 'kyc.completed',
      source: '/kyc',
      time: null,
      subject: 'user-3',
      data: { email: 'jane@example.com' },
      traceparent: TRACEPARENT,
      tracestate: 'congo=t61rcWkgMzE',
      format: 'cloudevents-structured',
    })
  })

  it('recognises a structured event without the content type by its attributes', async () => {
    const decoded = await decoder.decode(record(JSON.stringify(event)))
    expect(decoded.format).toBe('cloudevents-structured')
    expect(decoded.data).toEqual({ email: 'jane@example.com' })
  })

  it('decodes data_base64 holding JSON', async () => {
    const { data: _data, ...attributes } = event
    const decoded = await decoder.decode(
      record(
        JSON.stringify({
          ...attributes,
          data_base64: Buffer.from('{"email":"b64@example.com"}').toString('base64'),
        }),
      ),
    )
    expect(decoded.data).toEqual({ email: 'b64@example.com' })
  })

  it('has null data when the event carries none', async () => {
    const { data: _data, ...attributes } = event
    expect((await decoder.decode(record(JSON.stringify(attributes)))).data).toBeNull()
  })

  it('reads null optional attributes as not set', async () => {
    const decoded = await decoder.decode(
      record(JSON.stringify({ ...event, time: null, subject: null, datacontenttype: null })),
    )
    expect(decoded).toMatchObject({ id: 'evt-3', time: null, subject: null })
  })

  it('accepts a datacontenttype with parameters', async () => {
    const decoded = await decoder.decode(
      record(JSON.stringify({ ...event, datacontenttype: 'application/json; charset=utf-8' })),
    )
    expect(decoded.data).toEqual({ email: 'jane@example.com' })
  })

  it('fails a JSON null under the structured content type as INPUT_INVALID, naming what it got', async () => {
    const err = await decodeError('null', { 'content-type': 'application/cloudevents+json' })
    expect(err.code).toBe('INPUT_INVALID')
    expect(err.message).toContain('null')
  })

  it('structured mode wins over ce_* headers, as the binding requires', async () => {
    const decoded = await decoder.decode(
      record(JSON.stringify(event), {
        'content-type': 'application/cloudevents+json',
        ce_specversion: '0.3',
        ce_id: 'header-id',
      }),
    )
    expect(decoded).toMatchObject({ id: 'evt-3', format: 'cloudevents-structured' })
  })
})
