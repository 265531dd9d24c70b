import { afterEach, describe, expect, it, vi } from 'vitest'
import { stackCommand } from '../../src/cli/stack-command.js'

/**
 * Was: `moca-relay stack restart` printed only the usage, saying nothing of "restart"; and
 * `stack up --kafka-port abc` threw CONFIG_INVALID, exit 1, where a usage error exits 2. Both now
 * say what is wrong, then the usage, exit 2, before anything starts.
 */
afterEach(() => {
  vi.restoreAllMocks()
})

async function runStack(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = ''
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk)
    return true
  })
  const code = await stackCommand.run(args)
  vi.restoreAllMocks()
  return { code, stderr }
}

describe('moca-relay stack: a usage mistake says what is wrong', () => {
  it.each([
    [['restart'], 'unknown stack command "restart" (up, down, status)'],
    [[], 'which stack command? (up, down, status)'],
    [['up', 'now'], 'unexpected argument "now"'],
    [['up', '--kafka-port', 'abc'], '--kafka-port must be a port number (1-65535), got "abc"'],
    [
      ['up', '--registry-port', '70000'],
      '--registry-port must be a port number (1-65535), got "70000"',
    ],
  ])('stack %j', async (args, problem) => {
    const { code, stderr } = await runStack(args)
    expect(code).toBe(2)
    const [first, usage] = stderr.split('\n\n')
    expect(first).toBe(`moca-relay stack: ${problem}`)
    expect(usage).toMatch(/^Usage: moca-relay stack/)
  })
})
