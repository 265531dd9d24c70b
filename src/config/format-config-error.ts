import type { z } from 'zod'

/**
 * Turns zod issues into lines an operator can act on: the field path as written in the file
 * (`routes[0].program.issuerDid`), what is wrong, and where it came from.
 */
export function formatConfigIssues(
  issues: readonly z.core.$ZodIssue[],
  origin: string,
  /**
   * Config paths (`kafka.brokers`) whose value an environment variable set, by that variable: an
   * issue under one names the variable, not the file, which says something else.
   */
  fromEnv: ReadonlyMap<string, string> = new Map(),
): string {
  let fromFile = 0
  const lines = issues.flatMap(explainUnion).map((issue) => {
    const path = formatPath(issue.path)
    const variable = variableOf(path, fromEnv)
    if (variable === null) fromFile++
    const where = variable !== null ? `${variable} (${path})` : path === '' ? '(top level)' : path
    if (issue.code === 'unrecognized_keys') {
      return `  - ${where}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling; see the configuration reference in the README)`
    }
    if (issue.code === 'invalid_key') {
      // zod says "Invalid key in record"; the key's own schema says what is wrong with it.
      return `  - ${where}: ${issue.issues.map((inner) => inner.message).join('; ')}`
    }
    if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) {
      return `  - ${where}: required, but missing`
    }
    if (issue.code === 'invalid_type' && issue.expected === 'object') {
      return `  - ${where}: ${notASection(path, issue.message)}`
    }
    if (issue.code === 'invalid_type') return `  - ${where}: ${wrongType(issue)}`
    if (issue.code === 'invalid_value' && issue.values.length > 1) {
      // zod's own message: 'Invalid option: expected one of "json"|"avro"'. A message the schema
      // gives instead (kafka.compression's, for zstd) is the reason, said after the list.
      const list = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`
      const reason = issue.message.startsWith('Invalid option') ? '' : `: ${issue.message}`
      return `  - ${where}: ${list}${reason}`
    }
    return `  - ${where}: ${issue.message}`
  })
  const source =
    fromFile === 0
      ? 'the environment'
      : fromFile < lines.length
        ? `${origin} and the environment`
        : origin
  return `invalid configuration in ${source}:\n${lines.join('\n')}`
}

/**
 * A section (`kafka`, `routes[0]`, the whole file) given as something other than a mapping of
 * fields: the usual causes are an empty key, fields not indented under it, or a value where the
 * section belongs (`kafka: "host:9092"`).
 */
function notASection(path: string, message: string): string {
  const received = receivedType(message) ?? 'something else'
  if (path === '') {
    return received === 'null'
      ? 'the file is empty: a config needs at least moca and routes (start from examples/relay.yaml)'
      : `the file holds ${article(received)}, not a mapping of sections (start from examples/relay.yaml)`
  }
  return received === 'null'
    ? 'has no value: indent its fields under it, or remove the line'
    : `is ${article(received)}, but it is a section: a mapping of fields indented under it (see the configuration reference in the README)`
}

/**
 * zod's "Invalid input: expected string, received number" in words, with the YAML slip behind
 * the usual cases: an unquoted number or true/false where text belongs, one value for a list.
 */
function wrongType(issue: z.core.$ZodIssue & { code: 'invalid_type' }): string {
  const received = receivedType(issue.message)
  if (received === undefined) return issue.message
  const problem = `must be ${article(issue.expected)}, not ${article(received)}`
  if (issue.expected === 'string' && (received === 'number' || received === 'boolean'))
    return `${problem}: put it in quotes (YAML reads ${received === 'number' ? '123' : 'true'} unquoted as ${article(received)})`
  if (issue.expected === 'array' && received !== 'null')
    return `${problem}: write it as a list, [a, b] or one "- item" per line`
  return problem
}

/** The type zod says it got: "Invalid input: expected string, received number" → "number". */
function receivedType(message: string): string | undefined {
  return /received (\w+)/.exec(message)?.[1]
}

function article(type: string): string {
  if (type === 'array') return 'a list'
  if (type === 'null') return 'null'
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`
}

/** The variable that set the value at `path` or one of its parents, if any. */
function variableOf(path: string, fromEnv: ReadonlyMap<string, string>): string | null {
  for (const [prefix, variable] of fromEnv) {
    if (path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`))
      return variable
  }
  return null
}

/**
 * A union failure says only "Invalid input". Report instead the branch that got furthest (its
 * issues have the longest paths): that is the branch the author meant.
 */
function explainUnion(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue]
  const depth = (branch: readonly z.core.$ZodIssue[]): number =>
    Math.max(...branch.map((i) => i.path.length + (i.code === 'invalid_type' ? 0 : 0.5)))
  const best = [...issue.errors].sort((a, b) => depth(b) - depth(a))[0] ?? []
  if (best.length === 0 || depth(best) === 0) return [issue]
  // A union that says in its own words what it takes: every branch failed on the value itself.
  if (depth(best) <= 0.5 && issue.message !== 'Invalid input') return [issue]
  return best.flatMap((inner) => explainUnion({ ...inner, path: [...issue.path, ...inner.path] }))
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else out += out === '' ? String(part) : `.${String(part)}`
  }
  return out
}
