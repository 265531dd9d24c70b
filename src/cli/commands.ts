import type { Command } from './command.js'
import { stackCommand } from './stack-command.js'

/** Every sub-command, in the order `moca-relay --help` lists them. */
export const commands: readonly Command[] = [stackCommand]
