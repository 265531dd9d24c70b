/** One consumed record, detached from kafkajs types. */
export interface InputRecord {
  readonly topic: string
  readonly partition: number
  readonly offset: string
  readonly key: Buffer | null
  readonly value: Buffer | null
  /** kafkajs IHeaders shape. */
  readonly headers: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>
  readonly timestamp: string
}
