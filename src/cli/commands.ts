import type { Command } from './command.js'
import { createAclsCommand } from './acls-command.js'
import { createCheckCommand } from './check-command.js'
import { createDemoCommand } from './demo/demo-command.js'
import { createSamplesCommand } from './demo/samples-command.js'
import { createKeysCommand } from './keys-command.js'
import { createRedriveCommand } from './redrive-command.js'
import { createReplayCommand } from './replay-command.js'
import { createRunCommand } from './run-command.js'
import { createSandboxCommand } from './sandbox-command.js'
import { stackCommand } from './stack-command.js'

const io = { stdout: process.stdout, stderr: process.stderr }

/** Every sub-command, in the order `moca-relay --help` lists them. */
export const commands: readonly Command[] = [
  createDemoCommand(),
  createRunCommand(),
  createReplayCommand(),
  createRedriveCommand(),
  createCheckCommand(io),
  createAclsCommand(io),
  createSandboxCommand(io),
  createKeysCommand(io),
  stackCommand,
  createSamplesCommand(),
]
