/**
 * Canonical JSON (RFC 8785 style for the values events carry): object keys sorted by code unit,
 * no whitespace, numbers in ECMAScript shortest form. The same content always gives the same
 * bytes, whatever key order the producer used, so it can be hashed into an idempotency key.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot canonicalize the number ${value}`)
      return JSON.stringify(value)
    case 'object': {
      if (Array.isArray(value))
        return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`
      const record = value as Record<string, unknown>
      const keys = Object.keys(record)
        .filter((k) => record[k] !== undefined)
        .sort()
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`
    }
    default:
      throw new TypeError(`cannot canonicalize a value of type ${typeof value}`)
  }
}
