import { describe, expect, it } from 'vitest'
import { parseRetryAfter } from '../../src/moca/retry-after.js'

const nowMs = Date.parse('2026-01-19T07:18:45Z')
const opts = { maxMs: 60_000, nowMs }

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('3', opts)).toBe(3_000)
    expect(parseRetryAfter(' 0 ', opts)).toBe(0)
  })

  it('reads an HTTP-date relative to now', () => {
    expect(parseRetryAfter('Mon, 19 Jan 2026 07:19:05 GMT', opts)).toBe(20_000)
  })

  it('treats a date in the past as now', () => {
    expect(parseRetryAfter('Mon, 19 Jan 2026 07:00:00 GMT', opts)).toBe(0)
  })

  it('caps both forms', () => {
    expect(parseRetryAfter('86400', opts)).toBe(60_000)
    expect(parseRetryAfter('Tue, 20 Jan 2026 07:18:45 GMT', opts)).toBe(60_000)
  })

  it.each([undefined, '', 'soon', '-5', '1.5', 'NaN'])('ignores %j', (value) => {
    expect(parseRetryAfter(value, opts)).toBeNull()
  })

  it('uses the first of repeated headers', () => {
    expect(parseRetryAfter(['2', '9'], opts)).toBe(2_000)
  })
})
