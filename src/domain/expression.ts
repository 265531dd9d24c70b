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
