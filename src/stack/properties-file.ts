/**
 * The subset of Java `.properties` syntax our infra/ files use: `key=value` lines, `#`/`!`
 * comments on their own lines. No line continuations or escapes: the files are ours, and a reader
 * that does less is easier to trust than one that half-implements the format.
 */
export function parseProperties(text: string): Map<string, string> {
  const entries = new Map<string, string>()
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue
    const eq = line.indexOf('=')
    if (eq <= 0) throw new Error(`not a key=value line in a properties file: "${raw}"`)
    entries.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim())
  }
  return entries
}

/**
 * Replaces `${NAME}` placeholders. An unknown or unused placeholder is a bug in the template or
 * its caller, so both throw instead of leaving `${…}` for Kafka to choke on.
 */
export function fillPlaceholders(
  template: string,
  values: Readonly<Record<string, string>>,
): string {
  const unused = new Set(Object.keys(values))
  const filled = template.replace(/\$\{([A-Z_]+)\}/g, (_match, name: string) => {
    const value = values[name]
    if (value === undefined) throw new Error(`template placeholder \${${name}} has no value`)
    unused.delete(name)
    return value
  })
  if (unused.size > 0) throw new Error(`template has no placeholder for ${[...unused].join(', ')}`)
  return filled
}
