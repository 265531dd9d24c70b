/** node:util parseArgs rejects unknown or malformed options with these codes: a usage error. */
export function isUsageError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')
}
