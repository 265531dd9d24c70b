import { RelayError } from '../errors/relay-error.js'
import { printableText } from './message-text.js'
import { canonicalJson } from './canonical-json.js'
import type { CompiledRoute } from './compile-routes.js'
import { InputFormat, type DomainEvent } from './domain-event.js'
import type { EventBindings, Expression } from './expression.js'
import { contentIdempotencyKey, eventIdempotencyKey, normalizeEmail } from './idempotency-key.js'
import type { IssuanceCommand, SourceRef } from './issuance-command.js'
import { isEmailAddress } from './email-address.js'
import { maskEmailsIn } from './mask-email.js'

/** Where the decoded event sits in Kafka. */
export interface RecordCoordinates {
  readonly topic: string
  readonly partition: number
  readonly offset: string
  /** The record key: its text when it is UTF-8, else `base64:<base64 of its bytes>`; or null. */
  readonly key: string | null
}

/** Why an event produced no command and no failure: the documented skips of invariant 1. */
export const SkipReason = { noRoute: 'no-route', filtered: 'filtered' } as const
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason]

export type MappingOutcome =
  | { readonly kind: 'command'; readonly route: CompiledRoute; readonly command: IssuanceCommand }
  | { readonly kind: 'skipped'; readonly reason: SkipReason; readonly route: string | null }
  | { readonly kind: 'failed'; readonly route: CompiledRoute | null; readonly error: RelayError }

/** How much of an expression's own error message a failure quotes: enough to see the problem. */
const MAX_CAUSE_CHARS = 200

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
    const notAnObject = emailValue === undefined ? dataNotAnObject(event) : null
    if (notAnObject !== null) {
      return fail(
        `the email expression ${JSON.stringify(route.email.source)} found nothing: the event's data is ${notAnObject}`,
      )
    }
    return fail(
      `the email expression ${JSON.stringify(route.email.source)} gave ${describe(emailValue)}; the event must carry the user's email there, or the route's "email" must point at it`,
    )
  }
  const email = emailValue.trim()
  // UTF-8 cannot carry a lone surrogate: on its way to MocaChain `\ud800x@…` and `\udc00x@…`
  // would both become `\uFFFDx@…`, one user under two keys, the second revoking the first.
  if (!email.isWellFormed()) {
    return fail(
      `the email expression ${JSON.stringify(route.email.source)} gave a value that is not well-formed Unicode: it holds a lone surrogate (a \\uD800-\\uDFFF escape without its pair), which UTF-8 cannot carry; fix the producer's encoding of the email`,
    )
  }
  if (!isEmailAddress(email)) {
    return fail(
      `the email expression ${JSON.stringify(route.email.source)} gave a value that is not an email address`,
    )
  }

  let subject: unknown
  try {
    subject = await route.buildSubject(event.data, bindings)
  } catch (err) {
    // (the failure path only: the hot path builds the subject in one go)
    const failed = await failedSubjectField(route, event.data, bindings)
    return {
      kind: 'failed',
      route,
      error:
        failed ??
        new RelayError(
          'INPUT_MAPPING_FAILED',
          `route "${route.name}": building credentialSubject (${route.subjectSource}) failed: ${causeText(err)}`,
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
      return fail(`credentialSubject holds a value JSON cannot carry: ${causeText(err)}`)
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
    // JSON.parse rounds integers beyond 2^53: two different ids would share one key, and the
    // second event would be dropped as a duplicate.
    if (typeof eventId === 'number' && !Number.isSafeInteger(eventId)) {
      return fail(
        `idempotency mode "event-id": ${JSON.stringify(route.idempotency.eventId.source)} gave the number ${eventId}, which is not an integer JSON numbers carry exactly (at most 2^53 - 1 = ${Number.MAX_SAFE_INTEGER}); the producer must send the event id as a string`,
      )
    }
    // The content key serialises the subject; this mode must check it the same way, or a value
    // JSON cannot carry (nesting too deep to serialise) fails later, in the HTTP client.
    try {
      canonicalJson(credentialSubject)
    } catch (err) {
      return fail(`credentialSubject holds a value JSON cannot carry: ${causeText(err)}`)
    }
    idempotencyKey = eventIdempotencyKey(route.program, String(eventId))
  }

  // After the serialisation checks above: they refuse cycles, so this walk ends.
  const unsafe = findUncarriedValue(credentialSubject)
  if (unsafe !== null && unsafe.value === 'binary') {
    return fail(
      `${printableText(unsafe.path, MAX_CAUSE_CHARS)} is binary (an Avro bytes or fixed value), which a JSON claim cannot carry as the producer sent it: map a string field instead, or have the producer send the value as a string (base64 or hex)`,
    )
  }
  if (unsafe !== null) {
    return fail(
      `${printableText(unsafe.path, MAX_CAUSE_CHARS)} is the number ${unsafe.value}, an integer beyond what JSON numbers carry exactly (at most 2^53 - 1 = ${Number.MAX_SAFE_INTEGER}): the producer's digits may have been rounded, which would issue a claim it did not send and give two values one idempotency key; the producer must send it as a string`,
    )
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
      if (value instanceof RelayError) return value
      if (value === undefined || value === null) return ''
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        return String(value)
      }
      // An object or array has no key of its own ("[object Object]" for every record, or a
      // TypeError for data like {"toString":1}): refuse it as this record's failure.
      return new RelayError(
        'INPUT_INVALID',
        `route "${route.name}": the ordering expression ${JSON.stringify(route.ordering.expression.source)} gave ${describe(value)}; it must give a string, a number or a boolean to order by`,
        { classification: 'terminal' },
      )
    }
  }
}

/**
 * The first expression of the route's credentialSubject mapping that throws on this event, as
 * the error naming its field and source (as a filter's or an email's does), or null: a module's
 * subject, or a failure no single expression repeats.
 */
async function failedSubjectField(
  route: CompiledRoute,
  data: unknown,
  bindings: EventBindings,
): Promise<RelayError | null> {
  for (const { field, expression } of route.subjectFields) {
    const value = await evaluate(route, expression, field, data, bindings)
    if (value instanceof RelayError) return value
  }
  return null
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
      `route "${route.name}": ${field} expression ${JSON.stringify(expression.source)} failed on this event: ${causeText(err)}`,
      { classification: 'terminal', cause: err },
    )
  }
}

/**
 * The first value of credentialSubject a JSON claim cannot carry as the producer sent it, with
 * its path, or null: an integer-valued number outside ±(2^53 - 1), which JSON.parse (and the Avro
 * long reader) rounds silently (9007199254740993 reads as 9007199254740992); or binary data (an
 * Avro bytes or fixed value), which JSON would spell as {"type":"Buffer","data":[…]}. One walk of
 * the mapped subject, no re-parse: paths are only spelled for containers. The caller has
 * serialised the subject, so it holds no cycle.
 */
function findUncarriedValue(subject: object): { path: string; value: number | 'binary' } | null {
  const pending: { value: object; path: string }[] = [{ value: subject, path: 'credentialSubject' }]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, path } = next
    const isArray = Array.isArray(value)
    const entries: [string, unknown][] = isArray
      ? (value as unknown[]).map((v, i) => [String(i), v])
      : Object.entries(value)
    for (const [name, child] of entries) {
      if (typeof child === 'number') {
        if (Number.isInteger(child) && !Number.isSafeInteger(child)) {
          return { path: childPath(path, name, isArray), value: child }
        }
      } else if (ArrayBuffer.isView(child)) {
        return { path: childPath(path, name, isArray), value: 'binary' }
      } else if (typeof child === 'object' && child !== null) {
        pending.push({ value: child, path: childPath(path, name, isArray) })
      }
    }
  }
  return null
}

function childPath(path: string, name: string, inArray: boolean): string {
  if (inArray) return `${path}[${name}]`
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`
}

/**
 * Why paths found nothing in data that is not an object or an array (JSON text in a string is the
 * usual mistake), with the fix; null when the data is one. "The field is missing" would send the
 * producer looking for a field that is there, inside a string.
 */
function dataNotAnObject(event: DomainEvent): string | null {
  const { data, format } = event
  if (typeof data === 'object' && data !== null) return null
  const found = `${describe(data)}, not a JSON object`
  if (format !== InputFormat.cloudEventsStructured)
    return `${found}. Send the data as a JSON object`
  if (typeof data !== 'string') return `${found}. Send "data": {...} holding the event's fields`
  return `${found}: a structured CloudEvent carries JSON data as the object itself ("data": {...}), not as JSON text in a string. Send data as a JSON object, or send the event in binary mode (ce_* headers) with the JSON as the record value`
}

function isTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0
  return Boolean(value)
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return `${typeof value === 'object' ? 'an' : 'a'} ${typeof value}`
}

/**
 * An expression's error, as a failure may quote it: JSONata errors quote the input value (a
 * `$number()` of a 100 kB string quotes all of it), so emails are masked, then the text is cut
 * to a short printable excerpt. Never throws, whatever was thrown.
 */
function causeText(err: unknown): string {
  let message: unknown
  try {
    message = (err as { message?: unknown } | null | undefined)?.message
  } catch {
    message = undefined
  }
  if (typeof message !== 'string') {
    message = typeof err === 'string' ? err : 'an error without a message'
  }
  return printableText(maskEmailsIn(message as string), MAX_CAUSE_CHARS)
}
