import { describe, expect, it } from 'vitest'
import { createAclsCommand } from '../../src/cli/acls-command.js'
import { runConfigCommand } from '../support/run-config-command.js'

/**
 * Was: `moca-relay acls --principal moca` exited 0 and printed kafka-acls.sh commands with
 * `--allow-principal 'moca'`, which Kafka refuses: a principal is `<type>:<name>`. A principal
 * without a type (or without a name) is now a usage error, exit 2, before the config is read.
 */
describe('moca-relay acls --principal without a type', () => {
  it.each([
    ['moca', '--principal "moca" needs a type, e.g. User:moca'],
    ['User:', '--principal "User:" has no name after the type, e.g. User:moca-relay'],
  ])('refuses %j with exit 2 and the fix', async (principal, message) => {
    // no such config file: the principal is checked first
    const { code, stdout, stderr } = await runConfigCommand(createAclsCommand, [
      ...['--config', '/nonexistent/relay.yaml', '--principal', principal],
    ])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    const [first, usage] = stderr.split('\n\n')
    expect(first).toBe(`moca-relay acls: ${message}`)
    expect(usage).toMatch(/^Usage:/)
  })
})
