import type { CompiledRoute } from '../../src/domain/compile-routes.js'
import { toCommand, type MappingOutcome } from '../../src/domain/map-event.js'
import { createInputDecoder } from '../../src/kafka/input-decoder.js'
import type { InputRecord } from '../../src/kafka/input-record.js'

const decoder = createInputDecoder({ registry: null, maxRecordBytes: 1_000_000 })

/**
 * What the issue stage makes of one record of topic "t" (offset 1, no key) holding `value`:
 * decoded as without a schema registry, then mapped over `routes`.
 */
export async function mapInput(
  value: string,
  routes: readonly CompiledRoute[],
  headers: InputRecord['headers'] = {},
): Promise<MappingOutcome> {
  const record: InputRecord = {
    topic: 't',
    partition: 0,
    offset: '1',
    key: null,
    value: Buffer.from(value),
    headers,
    timestamp: '0',
  }
  return toCommand(await decoder.decode(record), { ...record, key: null }, routes)
}
