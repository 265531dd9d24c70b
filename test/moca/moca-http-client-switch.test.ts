import { Pool } from 'undici'
import { describe, expect, it } from 'vitest'
import { mocaClientOptionsFrom } from '../../src/cli/moca-from-config.js'
import { readEnv } from '../../src/config/env.js'
import { parseConfig } from '../../src/config/load-config.js'
import { IdleClientPool } from '../../src/moca/idle-client-pool.js'
import { compileMocaClientOptions } from '../../src/moca/moca-client-options.js'
import { createMocaDispatcher } from '../../src/moca/moca-dispatcher.js'
import { configErrorOf } from '../support/config-error.js'
import { minimalConfig } from '../support/minimal-config.js'

/**
 * moca.httpClient: the relay's own HTTP/1.1 connections, or undici's Pool as the way back. The
 * network tests (http-moca-client-network.test.ts) run every failure through both.
 */
describe('moca.httpClient', () => {
  const dispatcherFor = (moca: Record<string, unknown>) => {
    const { config } = parseConfig(
      { ...minimalConfig, moca: { ...minimalConfig.moca, ...moca } },
      { env: readEnv({}), configPath: 'relay.yaml' },
    )
    const dispatcher = createMocaDispatcher(compileMocaClientOptions(mocaClientOptionsFrom(config)))
    void dispatcher.destroy()
    return dispatcher
  }

  it("is the relay's own connections unless set, and undici's Pool when set to undici", () => {
    expect(dispatcherFor({})).toBeInstanceOf(IdleClientPool)
    expect(dispatcherFor({ httpClient: 'relay' })).toBeInstanceOf(IdleClientPool)
    const undici = dispatcherFor({ httpClient: 'undici' })
    expect(undici).toBeInstanceOf(Pool)
    expect(undici).not.toBeInstanceOf(IdleClientPool)
  })

  it('refuses any other name, listing the two', () => {
    expect(
      configErrorOf({ ...minimalConfig, moca: { ...minimalConfig.moca, httpClient: 'fetch' } }),
    ).toBe(
      'invalid configuration in relay.yaml:\n  - moca.httpClient: must be one of "relay", "undici"',
    )
  })
})
