import { describe, expect, it } from 'vitest'
import { RouteConfig } from '../../src/config/relay-config.js'
import { compileRoutes, RouteCompileError } from '../../src/domain/compile-routes.js'
import type { DomainEvent } from '../../src/domain/domain-event.js'
import { toCommand } from '../../src/domain/map-event.js'

const program = { issuerDid: 'did:air:id:test:issuer', credentialId: 'c-kyc' }

function routes(...raw: unknown[]) {
  return compileRoutes(raw.map((r) => RouteConfig.parse(r)))
}

function event(data: unknown, extra: Partial<DomainEvent> = {}): DomainEvent {
  return {
    id: 'evt-1',
    type: 'kyc.completed',
    source: '/kyc',
    time: null,
    subject: null,
    data,
    traceparent: null,
    tracestate: null,
    format: 'json',
    ...extra,
  }
}

const at = { topic: 'kyc.completed', partition: 0, offset: '7', key: 'user-1' }

describe('toCommand', () => {
  it('builds a command from paths, nested fields, constants and $event', async () => {
    const [route] = routes({
      name: 'kyc',
      topics: ['kyc.completed'],
      program,
      email: 'user.email',
      credentialSubject: {
        kycVerified: true,
        level: 'kyc.level',
        country: '"United States"',
        address: { city: 'user.address.city' },
        verifiedBy: '$event.source',
        tags: { $const: ['a', 'b'] },
        upper: '$uppercase(user.name)',
      },
    })
    const outcome = await toCommand(
      event({
        user: { email: 'Ada@Example.com', name: 'ada', address: { city: 'Paris' } },
        kyc: { level: 2 },
      }),
      at,
      [route!],
    )
    expect(outcome.kind).toBe('command')
    if (outcome.kind !== 'command') return
    expect(outcome.command.credentialSubject).toEqual({
      kycVerified: true,
      level: 2,
      country: 'United States',
      address: { city: 'Paris' },
      verifiedBy: '/kyc',
      tags: ['a', 'b'],
      upper: 'ADA',
    })
    expect(outcome.command.email).toBe('Ada@Example.com')
    expect(outcome.command.orderingKey).toBe('ada@example.com')
    expect(outcome.command.source).toEqual({
      topic: 'kyc.completed',
      partition: 0,
      offset: '7',
      eventId: 'evt-1',
    })
    expect(outcome.command.onDuplicate).toBe('revoke')
  })

  it("exposes each $event field the README lists: the event's attributes and the record's place", async () => {
    const fields = [
      'id',
      'type',
      'source',
      'time',
      'subject',
      'topic',
      'partition',
      'offset',
      'key',
    ]
    const [route] = routes({
      name: 'kyc',
      topics: ['kyc.completed'],
      program,
      email: 'email',
      credentialSubject: Object.fromEntries(fields.map((f) => [f, `$event.${f}`])),
    })
    const outcome = await toCommand(
      event(
        { email: 'ada@example.com' },
        { time: '2026-11-26T10:00:00Z', subject: 'user/ada', id: 'evt-9', type: 'kyc.completed' },
      ),
      { topic: 'kyc.completed', partition: 3, offset: '42', key: 'user-ada' },
      [route!],
    )
    expect(outcome.kind).toBe('command')
    if (outcome.kind !== 'command') return
    expect(outcome.command.credentialSubject).toEqual({
      id: 'evt-9',
      type: 'kyc.completed',
      source: '/kyc',
      time: '2026-11-26T10:00:00Z',
      subject: 'user/ada',
      topic: 'kyc.completed',
      partition: 3,
      offset: '42',
      key: 'user-ada',
    })
  })

  it('gives the same key to the same content from different events (a replay is a no-op)', async () => {
    const [route] = routes({
      name: 'kyc',
      topics: ['kyc.completed'],
      program,
      credentialSubject: { level: 'level' },
    })
    const a = await toCommand(event({ email: 'a@x.io', level: 1 }, { id: 'e1' }), at, [route!])
    const b = await toCommand(
      event({ email: 'a@x.io', level: 1 }, { id: 'e2' }),
      { ...at, offset: '99' },
      [route!],
    )
    expect(
      a.kind === 'command' &&
        b.kind === 'command' &&
        a.command.idempotencyKey === b.command.idempotencyKey,
    ).toBe(true)
  })

  it('keys on the event id when the route says so', async () => {
    const [route] = routes({
      name: 'kyc',
      topics: ['kyc.completed'],
      program,
      credentialSubject: { level: 'level' },
      idempotency: { mode: 'event-id' },
    })
    const a = await toCommand(event({ email: 'a@x.io', level: 1 }, { id: 'e1' }), at, [route!])
    const b = await toCommand(event({ email: 'a@x.io', level: 1 }, { id: 'e2' }), at, [route!])
    expect(
      a.kind === 'command' &&
        b.kind === 'command' &&
        a.command.idempotencyKey !== b.command.idempotencyKey,
    ).toBe(true)
    const numeric = routes({
      name: 'kyc-seq',
      topics: ['kyc.completed'],
      program,
      credentialSubject: { level: 'level' },
      idempotency: { mode: 'event-id', eventId: 'seq' },
    })
    const first = await toCommand(event({ email: 'a@x.io', level: 1, seq: 41 }), at, numeric)
    const second = await toCommand(event({ email: 'a@x.io', level: 1, seq: 42 }), at, numeric)
    expect(
      first.kind === 'command' &&
        second.kind === 'command' &&
        first.command.idempotencyKey !== second.command.idempotencyKey,
    ).toBe(true)
    const empty = await toCommand(event({ email: 'a@x.io', level: 1 }, { id: '' }), at, [route!])
    expect(empty.kind === 'failed' && empty.error.code).toBe('INPUT_INVALID')
    const missing = await toCommand(event({ email: 'a@x.io', level: 1 }, { id: null }), at, [
      route!,
    ])
    expect(missing.kind === 'failed' && missing.error.code).toBe('INPUT_INVALID')
  })

  it('picks the first route whose filter holds, and skips events no filter accepts', async () => {
    const compiled = routes(
      {
        name: 'gold',
        topics: ['kyc.completed'],
        program,
        filter: 'level >= 2',
        credentialSubject: { tier: '"gold"' },
      },
      {
        name: 'basic',
        topics: ['kyc.completed'],
        program,
        filter: 'level = 1',
        credentialSubject: { tier: '"basic"' },
      },
    )
    const gold = await toCommand(event({ email: 'a@x.io', level: 3 }), at, compiled)
    expect(gold.kind === 'command' && gold.command.route).toBe('gold')
    const basic = await toCommand(event({ email: 'a@x.io', level: 1 }), at, compiled)
    expect(basic.kind === 'command' && basic.command.route).toBe('basic')
    expect(await toCommand(event({ email: 'a@x.io', level: 0 }), at, compiled)).toEqual({
      kind: 'skipped',
      reason: 'filtered',
      route: 'basic',
    })
    expect(
      await toCommand(event({ email: 'a@x.io' }), { ...at, topic: 'other' }, compiled),
    ).toEqual({ kind: 'skipped', reason: 'no-route', route: null })
  })

  it('fails an event with a missing or malformed email, naming the expression', async () => {
    const [route] = routes({
      name: 'kyc',
      topics: ['kyc.completed'],
      program,
      email: 'user.email',
      credentialSubject: { level: 'level' },
    })
    const missing = await toCommand(event({ level: 1 }), at, [route!])
    expect(missing.kind).toBe('failed')
    if (missing.kind === 'failed') {
      expect(missing.error.code).toBe('INPUT_INVALID')
      expect(missing.error.message).toContain('"user.email"')
      expect(missing.error.message).toContain('missing')
    }
    const malformed = await toCommand(event({ user: { email: 'not-an-email' } }), at, [route!])
    expect(malformed.kind === 'failed' && malformed.error.code).toBe('INPUT_INVALID')
  })

  it('trims the email, and refuses one without a domain or longer than an address can be', async () => {
    const [route] = routes({
      name: 'kyc',
      topics: ['kyc.completed'],
      program,
      credentialSubject: { level: 'level' },
    })
    const padded = await toCommand(event({ email: '  ada@example.com ', level: 1 }), at, [route!])
    expect(padded.kind === 'command' && padded.command.email).toBe('ada@example.com')
    for (const email of ['ada@localhost', `${'a'.repeat(250)}@example.com`]) {
      const outcome = await toCommand(event({ email, level: 1 }), at, [route!])
      expect(outcome.kind === 'failed' && outcome.error.message).toContain(
        'is not an email address',
      )
    }
  })

  it('handles events from every topic a route names', async () => {
    const [route] = routes({
      name: 'kyc',
      topics: ['kyc.completed', 'kyc.renewed'],
      program,
      credentialSubject: { level: 'level' },
    })
    for (const topic of ['kyc.completed', 'kyc.renewed']) {
      const outcome = await toCommand(event({ email: 'a@x.io', level: 1 }), { ...at, topic }, [
        route!,
      ])
      expect(outcome.kind === 'command' && outcome.command.source.topic).toBe(topic)
    }
  })

  it('skips an event whose filter gives an empty list, as JSONata treats it as false', async () => {
    const [route] = routes({
      name: 'vip',
      topics: ['kyc.completed'],
      program,
      filter: 'roles',
      credentialSubject: { level: 'level' },
    })
    expect(await toCommand(event({ email: 'a@x.io', roles: [] }), at, [route!])).toEqual({
      kind: 'skipped',
      reason: 'filtered',
      route: 'vip',
    })
    const vip = await toCommand(event({ email: 'a@x.io', roles: ['vip'] }), at, [route!])
    expect(vip.kind).toBe('command')
  })

  it('fails, never skips, an event on which an expression throws, naming the route and the expression', async () => {
    const [filtered] = routes({
      name: 'kyc',
      topics: ['kyc.completed'],
      program,
      filter: '$error("no level")',
      credentialSubject: { level: 'level' },
    })
    const outcome = await toCommand(event({ email: 'a@x.io', level: 1 }), at, [filtered!])
    expect(outcome.kind).toBe('failed')
    if (outcome.kind !== 'failed') return
    expect(outcome.error.code).toBe('INPUT_MAPPING_FAILED')
    expect(outcome.error.message).toContain('route "kyc"')
    expect(outcome.error.message).toContain('"$error(\\"no level\\")"')
  })

  it('fails, never skips, an event on which the email or a subject expression throws', async () => {
    const [throwingEmail, throwingSubject] = routes(
      {
        name: 'by-email',
        topics: ['kyc.completed'],
        program,
        email: '$error("no address")',
        credentialSubject: { level: 'level' },
      },
      {
        name: 'by-subject',
        topics: ['kyc.completed'],
        program,
        credentialSubject: { level: '$error("no level")' },
      },
    )
    for (const [route, expression] of [
      [throwingEmail!, '$error(\\"no address\\")'],
      [throwingSubject!, '$error(\\"no level\\")'],
    ] as const) {
      const outcome = await toCommand(event({ email: 'a@x.io', level: 1 }), at, [route])
      expect(outcome).toMatchObject({
        kind: 'failed',
        error: {
          code: 'INPUT_MAPPING_FAILED',
          message: expect.stringContaining(`route "${route.name}"`),
        },
      })
      expect(outcome.kind === 'failed' && outcome.error.message).toContain(expression)
    }
  })

  it("passes the route's onDuplicate on to the command", async () => {
    const [route] = routes({
      name: 'kyc',
      topics: ['kyc.completed'],
      program,
      onDuplicate: 'ignore',
      credentialSubject: { level: 'level' },
    })
    const outcome = await toCommand(event({ email: 'a@x.io', level: 1 }), at, [route!])
    expect(outcome.kind === 'command' && outcome.command.onDuplicate).toBe('ignore')
  })

  it('orders by record key, or not at all, when the route says so', async () => {
    const [byKey, unordered] = routes(
      {
        name: 'by-key',
        topics: ['kyc.completed'],
        program,
        ordering: 'record-key',
        credentialSubject: { level: 'level' },
      },
      {
        name: 'unordered',
        topics: ['kyc.renewed'],
        program,
        ordering: 'unordered',
        credentialSubject: { level: 'level' },
      },
    )
    const keyed = await toCommand(event({ email: 'a@x.io', level: 1 }), at, [byKey!])
    expect(keyed.kind === 'command' && keyed.command.orderingKey).toBe('user-1')
    const keys = await Promise.all(
      ['7', '8'].map(async (offset) => {
        const outcome = await toCommand(
          event({ email: 'a@x.io', level: 1 }),
          { ...at, topic: 'kyc.renewed', offset },
          [unordered!],
        )
        return outcome.kind === 'command' ? outcome.command.orderingKey : null
      }),
    )
    // Two records of one user that share no key run concurrently.
    expect(new Set(keys).size).toBe(2)
  })

  it('fails an event whose mapping does not give an object', async () => {
    const [route] = routes({
      name: 'kyc',
      topics: ['kyc.completed'],
      program,
      credentialSubject: 'level',
    })
    const outcome = await toCommand(event({ email: 'a@x.io', level: 1 }), at, [route!])
    expect(outcome.kind === 'failed' && outcome.error.message).toContain(
      'credentialSubject must be an object',
    )
    const [list] = routes({
      name: 'kyc',
      topics: ['kyc.completed'],
      program,
      credentialSubject: 'levels',
    })
    const listOutcome = await toCommand(event({ email: 'a@x.io', levels: [1, 2] }), at, [list!])
    expect(listOutcome.kind === 'failed' && listOutcome.error.message).toContain(
      'credentialSubject must be an object, but the mapping gave an array',
    )
  })

  it('reads plain paths through arrays the way JSONata does', async () => {
    const [route] = routes({
      name: 'kyc',
      topics: ['kyc.completed'],
      program,
      credentialSubject: { first: 'docs.kind' },
    })
    const outcome = await toCommand(
      event({ email: 'a@x.io', docs: [{ kind: 'passport' }, { kind: 'visa' }] }),
      at,
      [route!],
    )
    expect(outcome.kind === 'command' && outcome.command.credentialSubject).toEqual({
      first: ['passport', 'visa'],
    })
  })

  it('fails, never throws, an event whose ordering expression gives an object', async () => {
    const [route] = routes({
      name: 'kyc',
      topics: ['kyc.completed'],
      program,
      ordering: { expression: 'customer' },
      credentialSubject: { level: 'level' },
    })
    // String({ toString: 1 }) throws a TypeError, which the issue stage took for a relay bug.
    for (const customer of [{ toString: 1 }, { id: 'c-1' }, ['a', { toString: 1 }]]) {
      const outcome = await toCommand(event({ email: 'a@x.io', level: 1, customer }), at, [route!])
      expect(outcome).toMatchObject({
        kind: 'failed',
        error: {
          code: 'INPUT_INVALID',
          message: expect.stringContaining('the ordering expression "customer" gave an'),
        },
      })
    }
    const keyed = await toCommand(event({ email: 'a@x.io', level: 1, customer: 42 }), at, [route!])
    expect(keyed.kind === 'command' && keyed.command.orderingKey).toBe('42')
  })

  it("quotes an expression's error as a short excerpt with emails masked, not the raw value", async () => {
    const [route] = routes({
      name: 'kyc',
      topics: ['kyc.completed'],
      program,
      credentialSubject: { amount: '$number(amount)', note: '$number(note)' },
    })
    // JSONata's D3030 quotes the whole value it could not cast: here 100 kB and an email.
    const amount = 'x'.repeat(100_000) + ' j\u00f6rg@ex\u00e4mple.com \u0007'
    const outcome = await toCommand(event({ email: 'a@x.io', amount }), at, [route!])
    expect(outcome.kind).toBe('failed')
    if (outcome.kind !== 'failed') return
    expect(outcome.error.code).toBe('INPUT_MAPPING_FAILED')
    // the field whose expression threw, not the whole mapping (README: "names the expression")
    expect(outcome.error.message).toContain(
      'route "kyc": credentialSubject.amount expression "$number(amount)" failed on this event: ',
    )
    expect(outcome.error.message).not.toContain('note')
    expect(outcome.error.message.length).toBeLessThan(500)
    expect(outcome.error.message).toMatch(/^[\x20-\x7e]*$/)
    const short = await toCommand(
      event({ email: 'a@x.io', note: 'ask bob.smith@example.org' }),
      at,
      [route!],
    )
    expect(short.kind === 'failed' && short.error.message).toContain(
      'credentialSubject.note expression "$number(note)"',
    )
    expect(short.kind === 'failed' && short.error.message).toContain('b***@example.org')
    expect(short.kind === 'failed' && short.error.message).not.toContain('bob.smith')
  })

  it('refuses an email holding control, bidi or zero-width characters, or an empty domain label', async () => {
    const [route] = routes({
      name: 'kyc',
      topics: ['kyc.completed'],
      program,
      credentialSubject: { level: 'level' },
    })
    for (const email of [
      'ada\u0000\u001b[2J@example.com',
      'ada\u202e@example.com',
      'a\u200b@example.com',
      'ada@exa\u00a0mple.com',
      'a@..c',
      'a@example..com',
      'a@example.com.',
    ]) {
      const outcome = await toCommand(event({ email, level: 1 }), at, [route!])
      expect(outcome.kind === 'failed' && outcome.error, JSON.stringify(email)).toMatchObject({
        code: 'INPUT_INVALID',
        message: expect.stringContaining('is not an email address'),
      })
    }
    for (const email of ['a@x.io', 'Eve+x@mail.co.uk', 'j\u00f6rg@ex\u00e4mple.com']) {
      const outcome = await toCommand(event({ email, level: 1 }), at, [route!])
      expect(outcome.kind, email).toBe('command')
    }
  })

  it('refuses a numeric event id JSON cannot carry exactly, asking for a string', async () => {
    const [route] = routes({
      name: 'kyc',
      topics: ['kyc.completed'],
      program,
      idempotency: { mode: 'event-id', eventId: 'orderId' },
      credentialSubject: { level: 'level' },
    })
    // JSON.parse rounds both to 2^53: they would share one key and the second would be dropped.
    for (const id of ['9007199254740992', '9007199254740993', '1.5']) {
      const data: unknown = JSON.parse(`{"email":"a@x.io","level":1,"orderId":${id}}`)
      const outcome = await toCommand(event(data), at, [route!])
      expect(outcome.kind === 'failed' && outcome.error, id).toMatchObject({
        code: 'INPUT_INVALID',
        message: expect.stringContaining('send the event id as a string'),
      })
    }
    const safe = await toCommand(
      event({ email: 'a@x.io', level: 1, orderId: Number.MAX_SAFE_INTEGER }),
      at,
      [route!],
    )
    expect(safe.kind).toBe('command')
  })

  it('refuses, in event-id mode too, a credentialSubject nested too deep to serialise', async () => {
    const [route] = routes({
      name: 'kyc',
      topics: ['kyc.completed'],
      program,
      idempotency: { mode: 'event-id', eventId: '$event.id' },
      credentialSubject: { deep: 'deep' },
    })
    const depth = 20_000
    const deep: unknown = JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`)
    const outcome = await toCommand(event({ email: 'a@x.io', deep }), at, [route!])
    expect(outcome).toMatchObject({
      kind: 'failed',
      error: {
        code: 'INPUT_INVALID',
        message: expect.stringContaining('credentialSubject holds a value JSON cannot carry'),
      },
    })
  })

  it('refuses a syntax error at compile time, naming the route and field', () => {
    expect(() =>
      routes({ name: 'kyc', topics: ['t'], program, credentialSubject: { level: 'level +' } }),
    ).toThrow(RouteCompileError)
    expect(() =>
      routes({ name: 'kyc', topics: ['t'], program, credentialSubject: { level: 'level +' } }),
    ).toThrow(/credentialSubject\.level.*route "kyc"/)
  })
})
