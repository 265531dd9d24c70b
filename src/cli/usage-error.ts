import { parseArgs, type ParseArgsConfig } from 'node:util'

/** node:util parseArgs rejects unknown or malformed options with these codes: a usage error. */
export function isUsageError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')
}

/**
 * parseArgs for a command: on a usage mistake (unknown option, missing value, an empty value for
 * an option that has a default) it prints `moca-relay <command>: <what is wrong>` and the
 * command's usage, and returns null (the command then exits 2).
 */
export function parseCommandLine<T extends ParseArgsConfig>(
  command: string,
  usage: string,
  config: T,
  stderr: { write(text: string): unknown } = process.stderr,
): ReturnType<typeof parseArgs<T>> | null {
  const fail = (problem: string): null => {
    refuseUsage(stderr, command, usage, problem)
    return null
  }
  let parsed: ReturnType<typeof parseArgs<T>>
  try {
    parsed = parseArgs(config)
  } catch (err) {
    if (!isUsageError(err)) throw err
    return fail((err as Error).message)
  }
  const empty = emptyOptionWithDefault(config, parsed.values as Record<string, unknown>)
  return empty === null
    ? parsed
    : fail(
        `--${empty.name} is empty: give a value, or leave the option out (default: ${empty.default})`,
      )
}

/**
 * An option given an empty value (`--config=`, `--config "$UNSET"`) where leaving it out means a
 * default: a mistake, not a request for "". (`--config=` read the working directory: EISDIR.)
 */
function emptyOptionWithDefault(
  config: ParseArgsConfig,
  values: Record<string, unknown>,
): { name: string; default: string } | null {
  for (const [name, option] of Object.entries(config.options ?? {})) {
    if (typeof option.default === 'string' && values[name] === '')
      return { name, default: option.default }
  }
  return null
}

/**
 * A mistake on the command line: `moca-relay <command>: <problem>`, then the usage. Returns the
 * exit code of every usage error, 2.
 */
export function refuseUsage(
  stderr: { write(text: string): unknown },
  command: string,
  usage: string,
  problem: string,
): 2 {
  stderr.write(`moca-relay ${command}: ${problem}\n\n${usage}\n`)
  return 2
}
