import { describe, expect, it } from 'vitest'
import { configErrorOf } from '../support/config-error.js'
import { minimalConfig } from '../support/minimal-config.js'

/**
 * Was: a fractional number where a duration goes (`kafka.fetchMaxWait: 20.5`) was refused with
 * zod's bare "Invalid input", for every duration field. It now says a number is whole
 * milliseconds and a fraction is written as a string with a unit.
 */
const errorOf = (extra: Record<string, unknown>): string =>
  configErrorOf({ ...minimalConfig, ...extra })

describe('a duration the schema refuses says what a duration is', () => {
  it.each([
    ['kafka.fetchMaxWait', '20.5', { kafka: { fetchMaxWait: 20.5 } }],
    ['confirm.deadline', '1.5', { confirm: { deadline: 1.5 } }],
    ['ledger.retention', '3600000.5', { ledger: { retention: 3_600_000.5 } }],
  ])('%s: a fractional number is not a duration', (field, shown, extra) => {
    expect(errorOf(extra)).toContain(
      `  - ${field}: ${shown} is not a duration: a number is whole milliseconds; for a fraction, write a string with a unit (20ms, 1.5s, 30s)`,
    )
  })

  it('a duration that is neither a number nor a string, or a negative one', () => {
    expect(errorOf({ kafka: { fetchMaxWait: true } })).toContain(
      'kafka.fetchMaxWait: expected a duration: a whole number of milliseconds, or a string with a unit (20ms, 30s, 10m, 2h, 30d)',
    )
    expect(errorOf({ kafka: { fetchMaxWait: -5 } })).toContain(
      'kafka.fetchMaxWait: a duration cannot be negative',
    )
  })
})
