import { parseArgs, type ParseArgsConfig } from 'node:util'

/** node:util parseArgs rejects unknown or malformed options with these codes: a usage error. */
export function isUsageError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')
}

/**
 * parseArgs for a command: on a usage mistake (unknown option, missing value) it prints
 * `moca-relay <command>: <what is wrong>` and the command's usage, and returns null (the command
 * then exits 2).
 */
export function parseCommandLine<T extends ParseArgsConfig>(
  command: string,
  usage: string,
  config: T,
  stderr: { write(text: string): unknown } = process.stderr,
): ReturnType<typeof parseArgs<T>> | null {
  try {
    return parseArgs(config)
  } catch (err) {
    if (!isUsageError(err)) throw err
    stderr.write(`moca-relay ${command}: ${(err as Error).message}\n\n${usage}\n`)
    return null
  }
}
