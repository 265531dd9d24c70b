import { describe, expect, it } from 'vitest'
import { readEnv } from '../../src/config/env.js'
import { parseConfig } from '../../src/config/load-config.js'
import { configErrorOf } from '../support/config-error.js'
import { minimalConfig } from '../support/minimal-config.js'

/**
 * A relay writing to a cluster billed by the byte (Confluent Cloud, cross-zone traffic) could not
 * compress what it wrote: its batches always went uncompressed.
 */
describe('kafka.compression', () => {
  it('is none unless set, and takes the codecs the relay writes', () => {
    const compressionOf = (raw: unknown): string =>
      parseConfig(raw, { env: readEnv({}), configPath: 'relay.yaml' }).config.kafka.compression
    expect(compressionOf(minimalConfig)).toBe('none')
    expect(compressionOf({ ...minimalConfig, kafka: { compression: 'lz4' } })).toBe('lz4')
  })

  it('refuses zstd saying why (the relay reads it and cannot write it), and any other name', () => {
    expect(configErrorOf({ ...minimalConfig, kafka: { compression: 'zstd' } })).toBe(
      'invalid configuration in relay.yaml:\n  - kafka.compression: must be one of "none", "gzip", "snappy", "lz4": the relay reads zstd batches but has no zstd compressor to write them (lz4 is the closest)',
    )
    expect(configErrorOf({ ...minimalConfig, kafka: { compression: 'LZ4' } })).toBe(
      'invalid configuration in relay.yaml:\n  - kafka.compression: must be one of "none", "gzip", "snappy", "lz4"',
    )
  })
})
