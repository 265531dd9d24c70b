import type { RecordCoordinates } from '../domain/map-event.js'

/**
 * One consumed Kafka record, as the decoder sees it: the fields of a kafkajs message plus where
 * it came from. Plain data, so tests and the malformed-input corpus can build records without a
 * broker.
 */
export interface InputRecord {
  readonly topic: string
  readonly partition: number
  readonly offset: string
  readonly key: Buffer | null
  readonly value: Buffer | null
  /**
   * kafkajs IHeaders shape: a repeated header key arrives as an array. kafkajs also delivers a
   * header sent with a null value as `null` at runtime, which the type does not admit; the
   * decoder treats it as present but empty.
   */
  readonly headers: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>
  readonly timestamp: string
}

export type InputHeaders = InputRecord['headers']
export type HeaderValue = InputHeaders[string]

/** Where a record sits, as routes and commands see it (the key as UTF-8 text). */
export function coordinatesOf(record: InputRecord): RecordCoordinates {
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.key?.toString('utf8') ?? null,
  }
}
