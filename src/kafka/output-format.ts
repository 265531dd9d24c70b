/**
 * How output event values are written. `json` needs nothing else; the registry formats register
 * the schemas in schemas/ and write the Confluent wire format (magic byte 0x00, 4-byte schema
 * id, payload).
 */
export const OutputFormat = {
  json: 'json',
  avro: 'avro',
  jsonSchema: 'json-schema',
} as const
export type OutputFormat = (typeof OutputFormat)[keyof typeof OutputFormat]

/**
 * The `content-type` header per format. Registry formats get their own media types because the
 * 5-byte wire-format header makes the value neither plain Avro nor plain JSON: a consumer that
 * sees application/json would try JSON.parse and fail on byte 0.
 */
export const OUTPUT_CONTENT_TYPES = {
  json: 'application/json',
  avro: 'application/avro',
  'json-schema': 'application/vnd.confluent.json-schema',
} as const satisfies Record<OutputFormat, string>
