import { RelayError } from '../errors/relay-error.js'
import type { CompiledRoute } from './compile-routes.js'
import type { DomainEvent } from './domain-event.js'
import type { EventBindings, Expression } from './expression.js'
import { contentIdempotencyKey, eventIdempotencyKey, normalizeEmail } from './idempotency-key.js'
import type { IssuanceCommand, SourceRef } from './issuance-command.js'

/** Where the decoded event sits in Kafka. */
export interface RecordCoordinates {
  readonly topic: string
  readonly partition: number
  readonly offset: string
  /** The record key as UTF-8 text, or null. */
  readonly key: string | null
}

/** Why an event produced no command and no failure: the documented skips of invariant 1. */
export const SkipReason = { noRoute: 'no-route', filtered: 'filtered' } as const
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason]

export type MappingOutcome =
  | { readonly kind: 'command'; readonly route: CompiledRoute; readonly command: IssuanceCommand }
  | { readonly kind: 'skipped'; readonly reason: SkipReason; readonly route: string | null }
  | { readonly kind: 'failed'; readonly route: CompiledRoute | null; readonly error: RelayError }

/** RFC 5321 caps a path at 254 characters; anything else we leave to MocaChain to judge. */
const MAX_EMAIL_LENGTH = 254
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/**
 * Maps one decoded event to an issuance command. The first route whose topics contain the
 * record's topic and whose filter holds handles it. Never throws for bad data: every problem is a
 * `failed` outcome whose error names the route, the expression and the fix.
 */
export async function toCommand(
  event: DomainEvent,
  record: RecordCoordinates,
  routes: readonly CompiledRoute[],
): Promise<MappingOutcome> {
  const bindings: EventBindings = {
    id: event.id,
    type: event.type,
    source: event.source,
    time: event.time,
    subject: event.subject,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.key,
  }
  let matchedTopic: string | null = null
  for (const route of routes) {
    if (!route.topics.has(record.topic)) continue
    matchedTopic = route.name
    if (route.filter) {
      const verdict = await evaluate(route, route.filter, 'filter', event.data, bindings)
      if (verdict instanceof RelayError) return { kind: 'failed', route, error: verdict }
      if (!isTruthy(verdict)) continue
    }
    return buildCommand(route, event, record, bindings)
  }
  return {
    kind: 'skipped',
    reason: matchedTopic === null ? SkipReason.noRoute : SkipReason.filtered,
    route: matchedTopic,
  }
}

async function buildCommand(
  route: CompiledRoute,
  event: DomainEvent,
  record: RecordCoordinates,
  bindings: EventBindings,
): Promise<MappingOutcome> {
  const fail = (message: string): MappingOutcome => ({
    kind: 'failed',
    route,
    error: new RelayError('INPUT_INVALID', `route "${route.name}": ${message}`, {
      classification: 'terminal',
    }),
  })

  const emailValue = await evaluate(route, route.email, 'email', event.data, bindings)
  if (emailValue instanceof RelayError) return { kind: 'failed', route, error: emailValue }
  if (typeof emailValue !== 'string' || emailValue.trim() === '') {
    return fail(
      `the email expression ${JSON.stringify(route.email.source)} gave ${describe(emailValue)}; the event must carry the user's email there, or the route's "email" must point at it`,
    )
  }
  const email = emailValue.trim()
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL_SHAPE.test(email)) {
    return fail(
      `the email expression ${JSON.stringify(route.email.source)} gave a value that is not an email address`,
    )
  }

  let subject: unknown
  try {
    subject = await route.buildSubject(event.data, bindings)
  } catch (err) {
    return {
      kind: 'failed',
      route,
      error: new RelayError(
        'INPUT_MAPPING_FAILED',
        `route "${route.name}": building credentialSubject (${route.subjectSource}) failed: ${(err as Error).message}`,
        { classification: 'terminal', cause: err },
      ),
    }
  }
  if (typeof subject !== 'object' || subject === null || Array.isArray(subject)) {
    return fail(`credentialSubject must be an object, but the mapping gave ${describe(subject)}`)
  }
  const credentialSubject = subject as Record<string, unknown>

  let idempotencyKey: string
  if (route.idempotency.mode === 'content') {
    try {
      idempotencyKey = contentIdempotencyKey(route.program, email, credentialSubject)
    } catch (err) {
      return fail(`credentialSubject holds a value JSON cannot carry: ${(err as Error).message}`)
    }
  } else {
    const eventId = await evaluate(
      route,
      route.idempotency.eventId,
      'idempotency.eventId',
      event.data,
      bindings,
    )
    if (eventId instanceof RelayError) return { kind: 'failed', route, error: eventId }
    if ((typeof eventId !== 'string' && typeof eventId !== 'number') || eventId === '') {
      return fail(
        `idempotency mode "event-id" needs an event id, but ${JSON.stringify(route.idempotency.eventId.source)} gave ${describe(eventId)}`,
      )
    }
    idempotencyKey = eventIdempotencyKey(route.program, String(eventId))
  }

  const orderingKey = await orderingKeyOf(route, email, record, event, bindings)
  if (orderingKey instanceof RelayError) return { kind: 'failed', route, error: orderingKey }

  const source: SourceRef = {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    eventId: event.id,
  }
  return {
    kind: 'command',
    route,
    command: {
      route: route.name,
      idempotencyKey,
      program: route.program,
      email,
      credentialSubject,
      onDuplicate: route.onDuplicate,
      orderingKey,
      source,
    },
  }
}

async function orderingKeyOf(
  route: CompiledRoute,
  email: string,
  record: RecordCoordinates,
  event: DomainEvent,
  bindings: EventBindings,
): Promise<string | RelayError> {
  switch (route.ordering.mode) {
    case 'email':
      return normalizeEmail(email)
    case 'record-key':
      return record.key ?? ''
    case 'partition':
      return ''
    case 'unordered':
      // Unique per record: nothing waits for anything else.
      return `@${record.offset}`
    case 'expression': {
      const value = await evaluate(
        route,
        route.ordering.expression,
        'ordering.expression',
        event.data,
        bindings,
      )
      return value instanceof RelayError
        ? value
        : value === undefined || value === null
          ? ''
          : String(value)
    }
  }
}

async function evaluate(
  route: CompiledRoute,
  expression: Expression,
  field: string,
  data: unknown,
  bindings: EventBindings,
): Promise<unknown> {
  try {
    return await expression.evaluate(data, bindings)
  } catch (err) {
    return new RelayError(
      'INPUT_MAPPING_FAILED',
      `route "${route.name}": ${field} expression ${JSON.stringify(expression.source)} failed on this event: ${(err as Error).message}`,
      { classification: 'terminal', cause: err },
    )
  }
}

function isTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0
  return Boolean(value)
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return `a ${typeof value}`
}
