/**
 * W3C Trace Context `traceparent` (https://www.w3.org/TR/trace-context/#traceparent-header):
 * `version-traceid-parentid-flags`, lowercase hex. The relay only passes it through, so a value
 * that does not parse is dropped (null) instead of failing the event: tracing is best-effort,
 * issuance is not.
 */

/** Version 00 is exactly this long; later versions may append `-…` fields after it. */
const TRACEPARENT_V00_LENGTH = 55
/** Nothing legitimate comes close; a bound keeps hostile headers from costing regex time. */
const MAX_TRACEPARENT_LENGTH = 512

const TRACEPARENT_V00 = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/
const ZERO_TRACE_ID = '0'.repeat(32)
const ZERO_PARENT_ID = '0'.repeat(16)

/**
 * The traceparent to pass on, or null. For versions above 00 the spec says to read the first
 * four fields and ignore the rest, so only those 55 characters are passed on.
 */
export function parseTraceparent(value: string | null | undefined): string | null {
  if (typeof value !== 'string') return null
  if (value.length < TRACEPARENT_V00_LENGTH || value.length > MAX_TRACEPARENT_LENGTH) return null
  const head =
    value.length === TRACEPARENT_V00_LENGTH ? value : value.slice(0, TRACEPARENT_V00_LENGTH)
  if (!TRACEPARENT_V00.test(head)) return null
  const version = head.slice(0, 2)
  if (version === 'ff') return null
  if (version === '00' && value.length !== TRACEPARENT_V00_LENGTH) return null
  if (value.length > TRACEPARENT_V00_LENGTH && value[TRACEPARENT_V00_LENGTH] !== '-') return null
  if (head.slice(3, 35) === ZERO_TRACE_ID || head.slice(36, 52) === ZERO_PARENT_ID) return null
  return head
}
