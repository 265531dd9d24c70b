import { afterEach, describe, expect, it, vi } from 'vitest'
import { createSamplesCommand } from '../../src/cli/demo/samples-command.js'

/**
 * `samples --prefix x --no-prefix` names two topic sets at once, and `--events 3` once said only
 * what it wanted, without the usage. Both now say what is wrong, then the usage, exit 2, before
 * anything reaches Kafka.
 */
afterEach(() => {
  vi.restoreAllMocks()
})

async function runSamples(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = ''
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk)
    return true
  })
  const code = await createSamplesCommand().run(args)
  vi.restoreAllMocks()
  return { code, stderr }
}

describe('moca-relay samples: a usage mistake says what is wrong', () => {
  it.each([
    [['--prefix', 'demo', '--no-prefix'], 'give --prefix or --no-prefix, not both'],
    [['--no-prefix', '--prefix=mine'], 'give --prefix or --no-prefix, not both'],
    [['--events', '3'], '--events must be a whole number of at least 10; got "3"'],
    [['--events', 'many'], '--events must be a whole number of at least 10; got "many"'],
  ])('samples %j', async (args, problem) => {
    const { code, stderr } = await runSamples(args)
    expect(code).toBe(2)
    const [first, usage] = stderr.split('\n\n')
    expect(first).toBe(`moca-relay samples: ${problem}`)
    expect(usage).toMatch(/^Usage:\n {2}moca-relay samples \[--prefix demo \| --no-prefix\]/)
  })
})
