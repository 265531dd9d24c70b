import jsonata from 'jsonata'

/** What an expression may read about the event besides its payload: `$event.type`, `$event.key`… */
export interface EventBindings {
  readonly id: string | null
  readonly type: string | null
  readonly source: string | null
  readonly time: string | null
  readonly subject: string | null
  readonly topic: string
  readonly partition: number
  readonly offset: string
  /** The record key: its text when it is UTF-8, else `base64:<base64 of its bytes>`; or null. */
  readonly key: string | null
}

/** A compiled route expression. `evaluate` is synchronous on the fast path, async otherwise. */
export interface Expression {
  readonly source: string
  evaluate(data: unknown, event: EventBindings): unknown
}

export class ExpressionSyntaxError extends Error {
  override readonly name = 'ExpressionSyntaxError'
}

/**
 * Compiles a JSONata expression once. Plain field paths (`user.email`, `$event.type`) — most of
 * what routes say — skip the JSONata evaluator, which is async and costs tens of microseconds per
 * call; they read the object directly and hand anything JSONata would treat specially (arrays
 * along the path) back to JSONata, so results are the same either way.
 */
export function compileExpression(source: string): Expression {
  let compiled: jsonata.Expression
  try {
    compiled = jsonata(source)
  } catch (err) {
    const detail = err as { message?: string; position?: number }
    throw new ExpressionSyntaxError(
      `invalid JSONata expression ${JSON.stringify(source)}${detail.position === undefined ? '' : ` at position ${detail.position}`}: ${detail.message ?? String(err)}`,
    )
  }
  const unknown = unknownName(compiled.ast())
  if (unknown !== null) {
    throw new ExpressionSyntaxError(
      unknown.called
        ? `JSONata expression ${JSON.stringify(source)} calls $${unknown.name}, which is not a JSONata function (a misspelling?): see https://docs.jsonata.org/function-library`
        : `JSONata expression ${JSON.stringify(source)} reads $${unknown.name}, which nothing binds: the relay binds $event ($event.type, $event.time, $event.key…), and the expression its own variables ($x := …, function($x) …)`,
    )
  }
  const slow = (data: unknown, event: EventBindings): Promise<unknown> =>
    compiled.evaluate(data, { event }).then(toPlain)
  const path = plainPath(compiled.ast())
  if (!path) return { source, evaluate: slow }
  const { fromEvent, names } = path
  return {
    source,
    evaluate(data, event) {
      let current: unknown = fromEvent ? event : data
      for (const name of names) {
        if (current === null || current === undefined) return undefined
        if (typeof current !== 'object' || Array.isArray(current)) return slow(data, event)
        // Own members only, as JSONata reads them: `user.constructor` on `{}` is nothing, not
        // Object (a filter held, then the function failed the event).
        current = Object.hasOwn(current, name)
          ? (current as Record<string, unknown>)[name]
          : undefined
      }
      return Array.isArray(current) ? slow(data, event) : current
    },
  }
}

/** JSONata's own functions (jsonata 2.x: its static frame, and $now and $millis). */
const JSONATA_FUNCTIONS = new Set(
  (
    'sum count max min average string substring substringBefore substringAfter lowercase ' +
    'uppercase length trim pad match contains replace split join formatNumber formatBase ' +
    'formatInteger parseInteger number floor ceil round abs sqrt power random boolean not map ' +
    'zip filter single reduce sift keys lookup append exists spread merge reverse each error ' +
    'assert type sort shuffle distinct base64encode base64decode encodeUrlComponent encodeUrl ' +
    'decodeUrlComponent decodeUrl eval toMillis fromMillis clone now millis'
  ).split(' '),
)

/** What the relay binds for every evaluation (see EventBindings). */
const RELAY_VARIABLES = new Set(['event'])

/**
 * The first `$name` an expression reads or calls that neither JSONata, the relay nor the
 * expression itself binds, or null. JSONata compiles `$uppercse(x)` and `$evnt.time` alike, then
 * fails every event on the first (T1006) and reads nothing from the second: a misspelling is
 * better refused at start-up. Names the expression binds anywhere (`$x := …`, lambda parameters,
 * `@$x`, `#$i`) count as bound everywhere in it: scopes are not modelled, so nothing valid is
 * refused.
 */
function unknownName(ast: unknown): { name: string; called: boolean } | null {
  const bound = new Set<string>()
  const read: { name: string; called: boolean }[] = []
  const walk = (node: unknown, called = false): void => {
    if (Array.isArray(node)) {
      for (const child of node) walk(child)
      return
    }
    if (node === null || typeof node !== 'object') return
    const n = node as AstNode
    if (n.type === 'variable' && typeof n.value === 'string') {
      // `$` (the context) and `$$` (the root) are JSONata's own
      if (n.value !== '' && n.value !== '$') read.push({ name: n.value, called })
      return
    }
    if (n.type === 'bind' && n.lhs?.type === 'variable' && typeof n.lhs.value === 'string')
      bound.add(n.lhs.value)
    if (n.type === 'lambda')
      for (const parameter of n.arguments ?? [])
        if (typeof parameter.value === 'string') bound.add(parameter.value)
    if (typeof n.focus === 'string') bound.add(n.focus)
    if (typeof n.index === 'string') bound.add(n.index)
    for (const [key, child] of Object.entries(n)) {
      walk(child, key === 'procedure' && n.type !== undefined && n.type !== 'lambda')
    }
  }
  walk(ast)
  return (
    read.find(
      ({ name }) => !bound.has(name) && !RELAY_VARIABLES.has(name) && !JSONATA_FUNCTIONS.has(name),
    ) ?? null
  )
}

/**
 * JSONata returns arrays tagged as "sequences" and may return functions; what goes into a
 * credentialSubject must be plain JSON data.
 */
function toPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toPlain)
  if (typeof value === 'function') return undefined
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = toPlain(v)
    return out
  }
  return value
}

interface PlainPath {
  readonly fromEvent: boolean
  readonly names: readonly string[]
}

const PLAIN_STEP_KEYS = new Set(['type', 'value', 'position'])
const PLAIN_PATH_KEYS = new Set(['type', 'steps'])

/** The parts of JSONata's AST we read; its published types omit the `path` node. */
interface AstNode {
  readonly type: string
  readonly value?: unknown
  readonly steps?: readonly AstNode[]
  /** `$x := …` binds `lhs`; a lambda binds its `arguments`; a step binds `focus` and `index`. */
  readonly lhs?: AstNode
  readonly arguments?: readonly AstNode[]
  readonly focus?: unknown
  readonly index?: unknown
}

/** Recognises `a.b.c` and `$event.a.b` with no predicates, stages or functions. */
function plainPath(root: jsonata.ExprNode): PlainPath | null {
  const ast = root as unknown as AstNode
  const hasOnly = (node: object, keys: Set<string>): boolean =>
    Object.keys(node).every((k) => keys.has(k))
  if (ast.type !== 'path' || !ast.steps || !hasOnly(ast, PLAIN_PATH_KEYS)) return null
  let fromEvent = false
  const names: string[] = []
  for (const [index, step] of ast.steps.entries()) {
    if (!hasOnly(step, PLAIN_STEP_KEYS) || typeof step.value !== 'string') return null
    if (index === 0 && step.type === 'variable' && step.value === 'event') {
      fromEvent = true
      continue
    }
    if (step.type !== 'name') return null
    names.push(step.value)
  }
  return names.length > 0 ? { fromEvent, names } : null
}
