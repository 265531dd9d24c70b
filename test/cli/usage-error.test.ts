import { describe, expect, it } from 'vitest'
import type { Command } from '../../src/cli/command.js'
import { createKeysCommand, type CommandIo } from '../../src/cli/keys-command.js'
import { createSandboxCommand } from '../../src/cli/sandbox-command.js'

/** Runs `moca-relay <command> …` in-process, capturing its stderr. */
async function runCapturing(create: (io: CommandIo) => Command, args: string[]) {
  let stderr = ''
  const command = create({
    stdout: { write: () => true },
    stderr: { write: (t: string) => (stderr += t) },
    env: () => ({}),
  })
  const code = await command.run(args)
  return { code, stderr, usage: command.usage }
}

describe('a mistake on the command line is a usage error: exit 2, what is wrong, then the usage', () => {
  // Both go through parseCommandLine; keys names its subcommand.
  it.each([
    ['an unknown option', 'sandbox', createSandboxCommand, ['--bogus'], "'--bogus'"],
    [
      'an option without its value',
      'sandbox',
      createSandboxCommand,
      ['--config'],
      "'--config <value>'",
    ],
    [
      'an unexpected argument',
      'sandbox',
      createSandboxCommand,
      ['--config', 'x.yaml', 'extra'],
      "'extra'",
    ],
    [
      'an option without its value',
      'keys generate',
      createKeysCommand,
      ['generate', '--kid'],
      "'--kid <value>'",
    ],
    [
      'an unexpected argument',
      'keys generate',
      createKeysCommand,
      ['generate', 'extra'],
      "'extra'",
    ],
  ])('%s (moca-relay %s)', async (_what, name, create, args, mentioned) => {
    const { code, stderr, usage } = await runCapturing(create, args)
    expect(code).toBe(2)
    const [error, ...rest] = stderr.split('\n\n')
    expect(error).toMatch(new RegExp(`^moca-relay ${name}: .+$`))
    expect(error).toContain(mentioned)
    expect(rest.join('\n\n')).toBe(`${usage}\n`)
  })
})
