import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load-config.js'
import { compileRoutes } from '../../src/domain/compile-routes.js'
import { loadSandboxConfigFile } from '../../src/sandbox/load-sandbox-config.js'

describe('the example configs in examples/', () => {
  it('relay.yaml is valid and its routes compile', async () => {
    const loaded = await loadConfig('examples/relay.yaml', { env: {} })
    expect(loaded.config.routes.map((r) => r.name)).toEqual(['kyc-verified', 'loyalty-member'])
    expect(() => compileRoutes(loaded.config.routes)).not.toThrow()
  })
  it('sandbox.yaml is valid', async () => {
    await expect(loadSandboxConfigFile('examples/sandbox.yaml')).resolves.toBeDefined()
  })

  /**
   * Was: relay.yaml's partner was not the sandbox's, its programs and subject fields were not in
   * sandbox.yaml (404, then 400), and the sandbox fetched its JWKS from a port nothing served,
   * though both files said to run them together.
   */
  it('run together: relay.yaml against sandbox.yaml', async () => {
    const { config } = await loadConfig('examples/relay.yaml', { env: {} })
    const sandbox = await loadSandboxConfigFile('examples/sandbox.yaml')

    expect(config.moca.baseUrl).toBe('http://127.0.0.1:8080/v1')
    const partner = sandbox.partners.find((p) => p.partnerId === config.moca.partnerId)
    expect(partner?.jwksUrl).toBe(
      `http://${config.ops.host}:${config.ops.port}${config.ops.jwksPath}`,
    )
    for (const route of config.routes) {
      const program = sandbox.programs.find(
        (p) =>
          p.credentialId === route.program.credentialId && p.issuerDid === route.program.issuerDid,
      )
      expect(program?.partnerId, route.name).toBe(config.moca.partnerId)
      const schema = program?.credentialSubjectSchema as { properties: object } | undefined
      expect(Object.keys(schema?.properties ?? {}).sort(), route.name).toEqual(
        Object.keys(route.credentialSubject as object).sort(),
      )
    }
  })
})
