/**
 * The codecs the relay may write its record batches with (`kafka.compression`): those kafkajs
 * and the codecs of compression-codecs.ts write. zstd is read, not written (fzstd decodes only).
 */
export const OUTPUT_COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4'] as const
export type OutputCompression = (typeof OUTPUT_COMPRESSIONS)[number]

/** Each codec's code in Kafka's record-batch attributes, which kafkajs's CompressionTypes are. */
export const COMPRESSION_CODES: Readonly<Record<OutputCompression, number>> = {
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
}
