import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { Pool } from 'undici'
import { describe, expect, it, onTestFinished } from 'vitest'
import { mocaClientOptionsFrom } from '../../src/cli/moca-from-config.js'
import { readEnv } from '../../src/config/env.js'
import { parseConfig } from '../../src/config/load-config.js'
import { IdleClientPool } from '../../src/moca/idle-client-pool.js'
import { compileMocaClientOptions } from '../../src/moca/moca-client-options.js'
import { createMocaDispatcher } from '../../src/moca/moca-dispatcher.js'
import { requestText } from '../../src/moca/request-text.js'
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

  it.each(['relay', 'undici'] as const)(
    '%s: an idle connection closes after keepAliveTimeout, so the next call opens a new one',
    async (httpClient) => {
      // The server would keep an idle connection a minute; undici's own default is 4 s.
      const server = createServer((_req, res) => res.end('{}'))
      server.keepAliveTimeout = 60_000
      let connections = 0
      server.on('connection', () => connections++)
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      onTestFinished(() => {
        server.closeAllConnections()
        server.close()
      })
      const { port } = server.address() as AddressInfo
      const dispatcher = createMocaDispatcher(
        compileMocaClientOptions({
          baseUrl: `http://127.0.0.1:${port}/v1`,
          keepAliveTimeoutMs: 200,
          httpClient,
        }),
      )
      onTestFinished(() => dispatcher.destroy())
      const call = async (): Promise<void> => {
        const answer = await requestText(
          dispatcher,
          { origin: '', path: '/v1/x', method: 'GET' },
          64,
        )
        expect(answer.statusCode).toBe(200)
      }
      await call()
      await sleep(50) // the connection is idle again a moment after its answer
      await call()
      expect(connections).toBe(1) // kept alive between calls 50 ms apart
      await sleep(1_500)
      await call()
      expect(connections).toBe(2)
    },
  )
})
