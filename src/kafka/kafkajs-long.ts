import { createRequire } from 'node:module'

/** kafkajs's 64-bit integer (`kafkajs/src/utils/long.js`): the parts the relay's patches use. */
export interface KafkajsLong {
  add(other: KafkajsLong | number): KafkajsLong
  gte(other: KafkajsLong): boolean
  compare(other: KafkajsLong): number
  toString(): string
}

export interface KafkajsLongStatic {
  fromValue(value: unknown): KafkajsLong
}

const require = createRequire(import.meta.url)

/** kafkajs's Long class. Loading it loads no module a patch replaces. */
export function kafkajsLong(): KafkajsLongStatic {
  return require('kafkajs/src/utils/long.js') as KafkajsLongStatic
}
