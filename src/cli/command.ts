/** A `moca-relay <name>` sub-command. `run` returns the process exit code. */
export interface Command {
  readonly name: string
  readonly summary: string
  readonly usage: string
  run(args: readonly string[]): Promise<number>
}
