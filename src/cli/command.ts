/** A `moca-relay <name>` sub-command. `run` returns the process exit code. */
export interface Command {
  readonly name: string
  readonly summary: string
  readonly usage: string
  run(args: readonly string[]): Promise<number>
}

/** Where a command that reads a config file writes, and the environment it reads the file with. */
export interface ConfigCommandIo {
  readonly stdout: { write(text: string): unknown }
  readonly stderr: { write(text: string): unknown }
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv
}
