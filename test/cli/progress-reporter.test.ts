import { Writable } from 'node:stream'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createProgressReporter } from '../../src/cli/progress-reporter.js'

/** A stream that is not a terminal (CI logs, a file), keeping what was written. */
function plainOutput() {
  const chunks: string[] = []
  const out = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString())
      callback()
    },
  })
  return { out, chunks }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('createProgressReporter, when the output is not a terminal', () => {
  it('still writes the final state, even right after a throttled line', () => {
    // A frozen clock: the second update is always inside the throttle interval.
    vi.useFakeTimers()
    const { out, chunks } = plainOutput()
    const progress = createProgressReporter(out, 10, 'replay')
    progress.update(1, 'first')
    progress.update(5, 'throttled')
    expect(chunks).toHaveLength(1)
    progress.finish(10, 'all done')
    expect(chunks).toHaveLength(2)
    expect(chunks[1]).toMatch(/^replay .* 100% 10\/10 .*all done\n$/)
    expect(chunks.join('')).not.toContain('\x1b')
  })
})
