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
})
