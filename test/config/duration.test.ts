import { describe, expect, it } from 'vitest'
import { Duration, parseDuration } from '../../src/config/duration.js'

describe('durations in the config file', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['30d', 2_592_000_000],
    [' 1.5s ', 1_500],
    ['0.0015s', 2],
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })

  it('takes a plain number as milliseconds', () => {
    expect(Duration.parse(1_500)).toBe(1_500)
  })

  it.each(['10', '5 minutes', '-1s', '1w', ''])('refuses %j, listing the units', (text) => {
    const result = Duration.safeParse(text)
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.message).toContain('500ms, 30s, 10m, 2h or 30d')
  })
})
