import { createRequire, Module } from 'node:module'

/**
 * How the relay's kafkajs patches (kafkajs-patches.ts) put their version of a kafkajs module in
 * place: a Node module record in `require.cache` under the original's path, so every kafkajs
 * module that requires it afterwards gets the replacement. kafkajs's modules capture what they
 * require when they load, so a swap is refused once the original is loaded.
 */

const require = createRequire(import.meta.url)
/** On a replacement's exports: the module it replaced. */
const ORIGINAL = Symbol.for('moca-relay.kafkajs-original')

export interface KafkajsModuleSwap<T extends object> {
  /** The kafkajs module replaced, e.g. `kafkajs/src/protocol/encoder.js`. */
  readonly module: string
  /** Names the patch in the error when kafkajs loaded first, e.g. "its encoder speed-up". */
  readonly patch: string
  /** Builds the replacement from kafkajs's own exports. */
  readonly replace: (original: T) => T
}

/** Installs `swap`; a no-op when it is installed already. Throws if kafkajs loaded the original. */
export function swapKafkajsModule<T extends object>(swap: KafkajsModuleSwap<T>): void {
  const path = require.resolve(swap.module)
  const cached = require.cache[path]
  if (cached && ORIGINAL in (cached.exports as object)) return
  if (cached) {
    throw new Error(
      `kafkajs was loaded before ${swap.patch}: import "src/kafka/kafkajs-patches.js" first in the entry point`,
    )
  }
  const original = require(path) as T
  const replacement = swap.replace(original)
  Object.defineProperty(replacement, ORIGINAL, { value: original })
  const module = new Module(path)
  module.filename = path
  module.loaded = true
  module.exports = replacement
  require.cache[path] = module
}

/** True once `module` is swapped for the relay's version. */
export function isKafkajsModuleSwapped(module: string): boolean {
  const cached = require.cache[require.resolve(module)]
  return cached !== undefined && ORIGINAL in (cached.exports as object)
}

/** kafkajs's own exports of a swapped `module` (its current exports if it is not swapped). */
export function kafkajsOriginal<T>(module: string): T {
  const current = require(module) as T & { [ORIGINAL]?: T }
  return current[ORIGINAL] ?? current
}
