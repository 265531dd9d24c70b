import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { demoNames, demoSandboxConfig } from '../../src/cli/demo/demo-configs.js'
import { loadConfig } from '../../src/config/load-config.js'
import { compileRoutes } from '../../src/domain/compile-routes.js'
import { loadSandboxConfigFile } from '../../src/sandbox/load-sandbox-config.js'

interface ComposeService {
  command?: string[]
  environment?: Record<string, string>
  ports?: string[]
}

/**
 * docker compose cannot run here, so this checks its wiring instead: the relay reaches the
 * sandbox and Kafka where they are, the sandbox fetches the relay's JWKS, and the sample stream
 * feeds the relay's routes — the same world the demo builds.
 */
describe('docker-compose.yml: sandbox, relay and sample producer', async () => {
  const compose = parse(await readFile('docker-compose.yml', 'utf8')) as {
    services: Record<string, ComposeService>
  }
  const { relay, sandbox, samples } = compose.services as Record<string, ComposeService>

  it('runs a relay whose config is valid under the environment compose gives it', async () => {
    const loaded = await loadConfig('examples/compose/relay.yaml', {
      env: { ...relay!.environment },
    })
    expect(loaded.config.kafka.brokers).toEqual(['kafka:19092'])
    expect(loaded.config.moca.baseUrl).toBe('http://sandbox:8080/v1')
    expect(() => compileRoutes(loaded.config.routes)).not.toThrow()
    // The sandbox listens where MOCA_BASE_URL points.
    expect(sandbox!.command).toEqual(
      expect.arrayContaining(['--port', '8080', '--host', '0.0.0.0']),
    )
    // The relay's ops port is published and serves the JWKS the sandbox fetches.
    expect(relay!.ports).toContain(`127.0.0.1:${loaded.config.ops.port}:${loaded.config.ops.port}`)
    const sandboxConfig = await loadSandboxConfigFile('examples/compose/sandbox.yaml')
    expect(sandboxConfig.partners[0]!.jwksUrl).toBe(
      `http://relay:${loaded.config.ops.port}${loaded.config.ops.jwksPath}`,
    )
    expect(sandboxConfig.partners[0]!.partnerId).toBe(loaded.config.moca.partnerId)
  })

  it("feeds the relay's routes with the sample producer's topics", async () => {
    const loaded = await loadConfig('examples/compose/relay.yaml', {
      env: { ...relay!.environment },
    })
    const prefix = samples!.command![samples!.command!.indexOf('--prefix') + 1] as string
    const names = demoNames(prefix)
    expect(loaded.config.routes.flatMap((r) => r.topics)).toEqual([names.kyc, names.membership])
  })

  it("gives the sandbox the demo's programs and users", async () => {
    const sandboxConfig = parse(await readFile('examples/compose/sandbox.yaml', 'utf8')) as unknown
    expect(sandboxConfig).toEqual(
      demoSandboxConfig({ jwksUrl: 'http://relay:9464/.well-known/jwks.json' }),
    )
  })
})
