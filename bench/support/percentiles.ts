/** Nearest-rank percentile of an ascending sorted array; NaN when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank] as number
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  )
}

export function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b)
}

/**
 * The largest of `values` and `floor`, in one pass. Not `Math.max(...values)`: spreading passes
 * every value as an argument, and a run of 200,000 events overflows the call stack.
 */
export function largest(values: readonly number[], floor = Number.NEGATIVE_INFINITY): number {
  let out = floor
  for (const value of values) if (value > out) out = value
  return out
}

/** The smallest of `values` (Infinity when empty, as `Math.min()`), in one pass (see largest). */
export function smallest(values: readonly number[]): number {
  let out = Number.POSITIVE_INFINITY
  for (const value of values) if (value < out) out = value
  return out
}
