import { z } from 'zod'

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/

/**
 * A duration in the config file: a number of milliseconds, or a string with a unit
 * (`500ms`, `30s`, `10m`, `2h`, `30d`). Parsed to milliseconds. Unbounded: see `Duration`.
 */
export const LongDuration = z
  .union(
    [
      z.number().int().nonnegative({ message: 'a duration cannot be negative' }),
      z.string().regex(DURATION_PATTERN, {
        message:
          'expected a duration such as 500ms, 30s, 10m, 2h or 30d (or a number of milliseconds)',
      }),
    ],
    {
      // Neither branch took the value (zod's own text is a bare "Invalid input"): a fraction
      // (20.5), or neither a number nor a string.
      error: (issue) =>
        typeof issue.input === 'number' && Number.isFinite(issue.input)
          ? `${issue.input} is not a duration: a number is whole milliseconds; for a fraction, write a string with a unit (20ms, 1.5s, 30s)`
          : 'expected a duration: a whole number of milliseconds, or a string with a unit (20ms, 30s, 10m, 2h, 30d)',
    },
  )
  .transform((value) => (typeof value === 'number' ? value : parseDuration(value)))
  .meta({ description: 'milliseconds, or a string with a unit: 500ms, 30s, 10m, 2h, 30d' })

/** setTimeout's limit: Node fires a longer timer after 1 ms, not after the duration. */
export const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * A duration the relay waits with a timer (or sends to Kafka as a 32-bit value): at most
 * MAX_TIMER_MS. `LongDuration` is for durations that are only compared (ledger.retention).
 */
export const Duration = LongDuration.refine((ms) => ms <= MAX_TIMER_MS, {
  message: `must be at most 24d (${MAX_TIMER_MS}ms ≈ 24.8 days): Node fires a longer timer at once, not after the duration`,
})

export function parseDuration(text: string): number {
  const match = DURATION_PATTERN.exec(text.trim())
  if (!match) throw new RangeError(`not a duration: ${text}`)
  const unit = match[2] as keyof typeof UNIT_MS
  return Math.round(Number(match[1]) * UNIT_MS[unit])
}
