/**
 * An upstream domain event after decoding, whatever its wire format (plain JSON, CloudEvents in
 * structured or binary mode, Avro or JSON Schema through the schema registry). Routes filter and
 * map on this shape.
 */
export interface DomainEvent {
  /** CloudEvents `id`, or the `id`/`eventId` field of a plain JSON event; null when absent. */
  readonly id: string | null
  /** CloudEvents `type`, or the `type`/`eventType` field of a plain JSON event. */
  readonly type: string | null
  readonly source: string | null
  readonly time: string | null
  readonly subject: string | null
  /** The payload routes read: CloudEvents `data`, or the whole plain JSON value. */
  readonly data: unknown
  /** W3C trace context of the input record (header `traceparent` or CloudEvents extension). */
  readonly traceparent: string | null
  /** Its W3C tracestate, from where the traceparent came; null without a valid traceparent. */
  readonly tracestate: string | null
  /** How the value was encoded, for logs and metrics. */
  readonly format: InputFormat
}

export const InputFormat = {
  json: 'json',
  cloudEventsStructured: 'cloudevents-structured',
  cloudEventsBinary: 'cloudevents-binary',
  avro: 'avro',
  jsonSchema: 'json-schema',
} as const
export type InputFormat = (typeof InputFormat)[keyof typeof InputFormat]
