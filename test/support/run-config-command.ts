import type { Command, ConfigCommandIo } from '../../src/cli/command.js'

/** Runs a config command (check, acls) in-process with an empty environment, capturing its output. */
export async function runConfigCommand(
  create: (io: ConfigCommandIo) => Command,
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const code = await create({
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: {},
  }).run(args)
  return { code, stdout, stderr }
}
