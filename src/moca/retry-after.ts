/**
 * The asctime form of an HTTP-date (RFC 9110 §5.6.7), e.g. `Sun Nov  6 08:49:37 1994`: the one
 * form without a zone, which Date.parse would read in the machine's local time.
 */
const ASCTIME_DATE = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/

/**
 * Parses a Retry-After header (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Returns
 * milliseconds, capped at `maxMs` so a server asking for a day cannot park a worker for a day;
 * null when the header is absent or unreadable. A date in the past means "now" (0).
 */
export function parseRetryAfter(
  value: string | string[] | undefined,
  options: { readonly maxMs: number; readonly nowMs: number },
): number | null {
  const raw = Array.isArray(value) ? value[0] : value
  if (raw === undefined) return null
  const text = raw.trim()
  if (text === '') return null
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, options.maxMs)
  // Only dates are accepted beyond plain digits: "1.5" or "-3" are not valid delay-seconds.
  if (!/[a-z]/i.test(text)) return null
  // Every HTTP-date is in GMT; asctime just does not say so.
  const at = Date.parse(ASCTIME_DATE.test(text) ? `${text} GMT` : text)
  if (Number.isNaN(at)) return null
  return Math.min(Math.max(0, at - options.nowMs), options.maxMs)
}
