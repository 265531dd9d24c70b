import type { RouteConfig, SubjectMapping } from '../config/relay-config.js'
import type { ProgramRef } from './issuance-command.js'
import type { OnDuplicate } from './moca-api.js'
import { compileExpression, type EventBindings, type Expression } from './expression.js'

/** Builds credentialSubject from the event payload; may be async (JSONata, user modules). */
export type SubjectBuilder = (data: unknown, event: EventBindings) => unknown

export type CompiledOrdering =
  | { readonly mode: 'email' | 'record-key' | 'partition' | 'unordered' }
  | { readonly mode: 'expression'; readonly expression: Expression }

export type CompiledIdempotency =
  { readonly mode: 'content' } | { readonly mode: 'event-id'; readonly eventId: Expression }

/** A route with every expression compiled once, at start-up. */
export interface CompiledRoute {
  readonly name: string
  readonly topics: ReadonlySet<string>
  readonly program: ProgramRef
  readonly onDuplicate: OnDuplicate
  readonly filter: Expression | null
  readonly email: Expression
  readonly buildSubject: SubjectBuilder
  readonly subjectSource: string
  /**
   * Each expression of a credentialSubject mapping, with its field (`credentialSubject.level`):
   * when building the subject fails, these say which one threw. Empty for a module.
   */
  readonly subjectFields: readonly SubjectField[]
  readonly idempotency: CompiledIdempotency
  readonly ordering: CompiledOrdering
}

export interface SubjectField {
  readonly field: string
  readonly expression: Expression
}

export class RouteCompileError extends Error {
  override readonly name = 'RouteCompileError'
}

/**
 * Compiles the routes of the config. `modules` holds the default exports of
 * `credentialSubjectModule` files, loaded by the composition root (domain/ does no I/O).
 */
export function compileRoutes(
  routes: readonly RouteConfig[],
  modules: ReadonlyMap<string, SubjectBuilder> = new Map(),
): CompiledRoute[] {
  return routes.map((route, index) => {
    const at = (field: string): string => `routes[${index}].${field} (route "${route.name}")`
    const compile = (source: string, field: string): Expression => {
      try {
        return compileExpression(source)
      } catch (err) {
        throw new RouteCompileError(`${at(field)}: ${(err as Error).message}`)
      }
    }
    let buildSubject: SubjectBuilder
    let subjectSource: string
    const subjectFields: SubjectField[] = []
    if (route.credentialSubjectModule !== undefined) {
      const loaded = modules.get(route.name)
      if (!loaded) {
        throw new RouteCompileError(
          `${at('credentialSubjectModule')}: module ${route.credentialSubjectModule} was not loaded`,
        )
      }
      buildSubject = loaded
      subjectSource = `module ${route.credentialSubjectModule}`
    } else {
      buildSubject = compileSubject(route.credentialSubject ?? null, (source, path) => {
        const field = `credentialSubject${path}`
        const expression = compile(source, field)
        subjectFields.push({ field, expression })
        return expression
      })
      subjectSource = JSON.stringify(route.credentialSubject)
    }
    const ordering: CompiledOrdering =
      typeof route.ordering === 'string'
        ? { mode: route.ordering }
        : {
            mode: 'expression',
            expression: compile(route.ordering.expression, 'ordering.expression'),
          }
    const idempotency: CompiledIdempotency =
      route.idempotency.mode === 'content'
        ? { mode: 'content' }
        : { mode: 'event-id', eventId: compile(route.idempotency.eventId, 'idempotency.eventId') }
    return {
      name: route.name,
      topics: new Set(route.topics),
      program: { issuerDid: route.program.issuerDid, credentialId: route.program.credentialId },
      onDuplicate: route.onDuplicate,
      filter: route.filter === undefined ? null : compile(route.filter, 'filter'),
      email: compile(route.email, 'email'),
      buildSubject,
      subjectSource,
      subjectFields,
      idempotency,
      ordering,
    }
  })
}

/**
 * A mapping is compiled into one function. Leaves that evaluate synchronously (constants, plain
 * paths) never create a promise; only real JSONata evaluations do.
 */
function compileSubject(
  mapping: SubjectMapping,
  compile: (source: string, path: string) => Expression,
  path = '',
): SubjectBuilder {
  if (typeof mapping === 'string') {
    const expression = compile(mapping, path)
    return (data, event) => expression.evaluate(data, event)
  }
  if (mapping === null || typeof mapping !== 'object') return () => mapping
  if ('$const' in mapping) {
    const value = structuredClone(mapping.$const)
    return () => structuredClone(value)
  }
  const fields = Object.entries(mapping as Record<string, SubjectMapping>).map(
    ([name, child]) => [name, compileSubject(child, compile, `${path}.${name}`)] as const,
  )
  return (data, event) => {
    const out: Record<string, unknown> = {}
    let pending: Promise<void>[] | null = null
    for (const [name, build] of fields) {
      const value = build(data, event)
      if (value instanceof Promise) {
        ;(pending ??= []).push(
          value.then((resolved) => {
            if (resolved !== undefined) out[name] = resolved
          }),
        )
      } else if (value !== undefined) {
        out[name] = value
      }
    }
    return pending === null ? out : Promise.all(pending).then(() => reorder(out, fields))
  }
}

/** Async leaves land out of order; keep the mapping's field order for readable events. */
function reorder(
  out: Record<string, unknown>,
  fields: readonly (readonly [string, SubjectBuilder])[],
): Record<string, unknown> {
  const ordered: Record<string, unknown> = {}
  for (const [name] of fields) if (name in out) ordered[name] = out[name]
  return ordered
}
