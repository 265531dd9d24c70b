import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { BUILT_CLI } from '../support/run-built-cli.js'

/**
 * Was: `moca-relay check … | head -3` ended with "Error: write EPIPE … Unhandled 'error' event"
 * and a stack trace once head had read its lines and gone. A command whose reader went away now
 * ends quietly with the status of a SIGPIPE (141), as Unix tools do.
 */
function runWithReaderGone(
  args: readonly string[],
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BUILT_CLI, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    // closed before the CLI has loaded its modules, so its first write finds no reader
    child.stdout.destroy()
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stderr }))
  })
}

describe('a command whose output reader has gone', () => {
  it.each([[['--help']], [['keys', '--help']]])(
    'moca-relay %j ends quietly with 141',
    async (args) => {
      const { code, stderr } = await runWithReaderGone(args)
      expect(stderr).toBe('')
      expect(code).toBe(141)
    },
    20_000,
  )
})
