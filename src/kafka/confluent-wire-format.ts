import { RelayError } from '../errors/relay-error.js'

/**
 * Confluent wire format, shared by every Confluent-API registry (Apicurio's ccompat included):
 * magic byte 0x00, a 4-byte big-endian schema id, then the Avro binary or JSON text.
 */
export const MAGIC_BYTE = 0x00
export const WIRE_HEADER_BYTES = 5

/**
 * The schema id of a wire-format value, or null when the value does not start with the magic
 * byte. JSON text never starts with 0x00, so the first byte alone tells the formats apart.
 */
export function readWireSchemaId(value: Buffer): number | null {
  if (value.length === 0 || value[0] !== MAGIC_BYTE) return null
  if (value.length < WIRE_HEADER_BYTES) {
    throw new RelayError(
      'INPUT_UNDECODABLE',
      `the record value starts with the schema-registry magic byte 0x00 but is only ${value.length} bytes; the Confluent wire format needs ${WIRE_HEADER_BYTES} (magic byte and 4-byte schema id) before the payload. Fix the producer's serializer.`,
      { classification: 'terminal' },
    )
  }
  // Signed, as the registry client writes and caches ids; registries hand out ids from 1.
  return value.readInt32BE(1)
}
