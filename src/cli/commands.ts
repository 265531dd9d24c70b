import type { Command } from './command.js'

/** Every sub-command, in the order `moca-relay --help` lists them. */
export const commands: readonly Command[] = []
