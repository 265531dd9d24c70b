import { z } from 'zod'
import { RelayConfig } from './relay-config.js'

/**
 * The README's configuration reference, generated from the zod schema so the two cannot drift: a
 * test fails when the README's copy differs from this output (`npm run docs` rewrites it).
 */
export function renderConfigReference(): string {
  const schema = z.toJSONSchema(RelayConfig, { io: 'input', unrepresentable: 'any' }) as JsonSchema
  const defaults = RelayConfig.parse(MINIMAL) as unknown as Record<string, unknown>
  const rows: string[] = []
  walk(schema, '', (path, node) => {
    // An array element's defaults are not in a parsed config (MINIMAL has no element but a
    // route's): routes read theirs from a parsed route, other elements from the schema.
    const value = path.startsWith('routes[]')
      ? routeDefault(path)
      : path.includes('[]')
        ? node.default
        : readPath(defaults, path)
    rows.push(
      `| \`${path}\` | ${typeOf(node)} | ${formatDefault(value, node, path)} | ${escape(node.description ?? '')} |`,
    )
  })
  return ['| Field | Type | Default | Description |', '|---|---|---|---|', ...rows].join('\n')
}

interface JsonSchema {
  type?: string | string[]
  description?: string
  properties?: Record<string, JsonSchema>
  items?: JsonSchema
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  enum?: unknown[]
  const?: unknown
  pattern?: string
  required?: string[]
  default?: unknown
}

/** The least a config file must say; everything else has a default. */
export const MINIMAL = {
  moca: { partnerId: 'p', key: { kid: 'k', file: 'k.pem' } },
  routes: [
    {
      name: 'r',
      topics: ['t'],
      program: { issuerDid: 'did:x', credentialId: 'c' },
      credentialSubject: {},
    },
  ],
}

const DURATION_PATTERN_MARK = '(ms|s|m|h|d)'

/** Values MINIMAL had to invent: they are required, not defaults. */
const REQUIRED_WITHOUT_DEFAULT = new Set([
  'moca.partnerId',
  'moca.key.kid',
  'moca.key.file',
  'routes',
])

/** Sections (plain objects) are walked into; unions and scalars are one row each. */
function walk(
  node: JsonSchema,
  path: string,
  visit: (path: string, node: JsonSchema) => void,
): void {
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const childPath = path === '' ? name : `${path}.${name}`
    if (child.properties) {
      walk(child, childPath, visit)
    } else if (child.type === 'array' && child.items?.properties) {
      visit(childPath, child)
      walk(child.items, `${childPath}[]`, visit)
    } else {
      visit(childPath, child)
    }
  }
}

function isDuration(node: JsonSchema): boolean {
  return (node.anyOf ?? []).some((o) => o.pattern?.includes(DURATION_PATTERN_MARK) ?? false)
}

function typeOf(node: JsonSchema): string {
  if (isDuration(node)) return 'duration'
  if (node.enum) return node.enum.map((v) => `\`${String(v)}\``).join(' \\| ')
  if (node.properties) return 'object'
  const options = node.anyOf ?? node.oneOf
  if (options) return [...new Set(options.map(typeOf))].join(' \\| ')
  if (node.const !== undefined) return `\`${String(node.const)}\``
  if (node.type === 'array') return `${node.items ? typeOf(node.items) : 'value'}[]`
  if (Array.isArray(node.type)) return node.type.join(' \\| ')
  return node.type ?? 'value'
}

function readPath(root: Record<string, unknown>, path: string): unknown {
  let current: unknown = root
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<string, unknown>)[part]
  }
  return current
}

/** Defaults inside a route: parse one minimal route and read the field. */
function routeDefault(path: string): unknown {
  const match = /^routes\[\]\.(.+)$/.exec(path)
  if (!match) return undefined
  const parsed = RelayConfig.parse(MINIMAL).routes[0] as unknown as Record<string, unknown>
  const field = match[1] as string
  if (
    ['name', 'topics', 'program', 'credentialSubject'].some(
      (f) => field === f || field.startsWith(`${f}.`),
    )
  )
    return undefined
  if (field === 'idempotency') return { mode: 'content' }
  return readPath(parsed, field)
}

function formatDefault(value: unknown, node: JsonSchema, path: string): string {
  if (value === undefined || REQUIRED_WITHOUT_DEFAULT.has(path)) return '—'
  if (isDuration(node) && typeof value === 'number') return `\`${humanDuration(value)}\``
  return `\`${JSON.stringify(value)}\``
}

function humanDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}

function escape(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}
