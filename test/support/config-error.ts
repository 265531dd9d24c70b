import { readEnv } from '../../src/config/env.js'
import { parseConfig } from '../../src/config/load-config.js'

/**
 * The message `raw` is refused with, validated as the file `relay.yaml` with `env` as the
 * environment; fails the test when it is accepted.
 */
export function configErrorOf(raw: unknown, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseConfig(raw, { env: readEnv(env), configPath: 'relay.yaml' })
  } catch (err) {
    return (err as Error).message
  }
  throw new Error('the config was accepted')
}
