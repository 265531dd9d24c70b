import { createRequire } from 'node:module'
// Types only: the module itself is loaded below, as the registry client loads it.
import type { Type as AvroType, types } from 'avsc'

export interface RegistryAvsc {
  readonly types: {
    readonly LongType: { __with(methods: object, noUnpack?: boolean): AvroType }
    readonly LogicalType: typeof types.LogicalType
  }
}

/**
 * avsc as the registry client loads it: avsc accepts a type from a typeHook, or a logical type,
 * only when it comes from the same module (`instanceof Type`), and avsc is the client's
 * dependency, not ours.
 */
export const registryAvsc = createRequire(
  createRequire(import.meta.url).resolve('@kafkajs/confluent-schema-registry'),
)('avsc') as RegistryAvsc
