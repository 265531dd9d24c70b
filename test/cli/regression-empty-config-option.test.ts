import { describe, expect, it } from 'vitest'
import { createAclsCommand } from '../../src/cli/acls-command.js'
import { createCheckCommand } from '../../src/cli/check-command.js'
import { runKeysCommand } from '../support/run-keys-command.js'
import { runConfigCommand } from '../support/run-config-command.js'

/**
 * Was: `moca-relay check --config=` (an empty value, e.g. an unset variable) read the working
 * directory and said "cannot read the config file /tmp/x (EISDIR)", exit 1. An option that has a
 * default, given an empty value, is now a usage error naming the option: exit 2, then the usage.
 */
describe('an empty value for an option that has a default', () => {
  it.each([
    ['check', createCheckCommand],
    ['acls', createAclsCommand],
  ] as const)('moca-relay %s --config=', async (name, create) => {
    const { code, stdout, stderr } = await runConfigCommand(create, ['--config='])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    const [first, usage] = stderr.split('\n\n')
    expect(first).toBe(
      `moca-relay ${name}: --config is empty: give a value, or leave the option out (default: relay.yaml)`,
    )
    expect(usage).toMatch(/^Usage:/)
  })

  it('moca-relay keys token --scope ""', async () => {
    const { code, stderr } = await runKeysCommand([
      ...['token', '--partner-id', 'p', '--email', 'a@example.com', '--scope', ''],
    ])
    expect(code).toBe(2)
    expect(stderr).toMatch(
      /^moca-relay keys token: --scope is empty: give a value, or leave the option out \(default: issue on-behalf\)\n\nUsage:/,
    )
  })
})
