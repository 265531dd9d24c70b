import type { RecordCoordinates } from '../domain/map-event.js'
import { decodeUtf8KeepingBom } from './strict-utf8.js'

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

/** Where a record sits, as routes and commands see it (the key as text: see recordKeyText). */
export function coordinatesOf(record: InputRecord): RecordCoordinates {
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: recordKeyText(record.key),
  }
}

/** How a key that is not UTF-8 is spelled for routes: this prefix, then its bytes in base64. */
export const BINARY_KEY_PREFIX = 'base64:'

/**
 * A record key as `$event.key`, the `record-key` ordering and commands see it: the text of a
 * UTF-8 key, as it is (a byte order mark included), or `base64:` and the standard base64 of any
 * other key. Never lossy: decoding with U+FFFD made the LongSerializer keys 128 and 129 one
 * string, and a route keyed on `$event.key` skipped the second as already issued.
 */
export function recordKeyText(key: Buffer | null): string | null {
  if (key === null) return null
  return decodeUtf8KeepingBom(key) ?? `${BINARY_KEY_PREFIX}${key.toString('base64')}`
}
