import { describe, expect, it } from 'vitest'
import { catchMocaError } from '../support/catch-moca-error.js'
import { rawCall } from '../support/raw-http.js'
import { PARTNER_ID, startSandboxFixture, uniqueEmail } from '../support/sandbox-fixture.js'

/** The control API as a test script in another process would use it: over HTTP, no JWT. */
describe('sandbox control API over HTTP', () => {
  it('scripts faults, lists calls and counts them', async () => {
    const f = await startSandboxFixture()
    const control = `${f.sandbox.origin}/_sandbox`
    const set = await rawCall(`${control}/faults`, {
      body: { issue: { next: ['http503', 'applyThen500'], retryAfterSeconds: 2 } },
    })
    expect(set.status).toBe(200)
    expect(set.json).toMatchObject({
      issue: { next: ['http503', 'applyThen500'] },
      status: { next: [] },
    })

    const client = f.client()
    const email = uniqueEmail()
    expect(
      await catchMocaError(client.issue(f.issueCall({ email, idempotencyKey: 'a' }))),
    ).toMatchObject({ httpStatus: 503, retryAfterMs: 2_000 })
    expect(
      await catchMocaError(client.issue(f.issueCall({ email, idempotencyKey: 'a' }))),
    ).toMatchObject({ httpStatus: 500, uncertain: true })
    const ok = await client.issue(
      f.issueCall({ email, idempotencyKey: 'a', onDuplicate: 'ignore' }),
    )

    const calls = (await rawCall(`${control}/calls`)).json as {
      total: number
      calls: Record<string, unknown>[]
    }
    expect(calls.total).toBe(3)
    expect(calls.calls.map((c) => [c.httpStatus, c.fault, c.applied, c.action])).toEqual([
      [503, 'http503', false, null],
      [500, 'applyThen500', true, 'issued'],
      [200, null, false, 'returned-existing'],
    ])
    expect(calls.calls[2]).toMatchObject({
      seq: 3,
      email,
      idempotencyKey: 'a',
      onDuplicate: 'ignore',
      coreClaimHash: ok.coreClaimHash,
      outcome: 'answered',
    })
    expect(calls.calls[2]?.at).toMatch(/^\d{4}-\d{2}-\d{2}T/)
    expect((await rawCall(`${control}/calls?limit=1`)).json).toMatchObject({
      total: 3,
      calls: [{ seq: 3 }],
    })

    const stats = (await rawCall(`${control}/stats`)).json
    expect(stats).toMatchObject({
      issue: {
        received: 3,
        applied: 1,
        byHttpStatus: { 200: 1, 500: 1, 503: 1 },
        faults: { http503: 1, applyThen500: 1 },
      },
      credentials: { issued: 1, revoked: 0 },
      users: 1,
      callLog: { total: 3, retained: 3 },
    })
  })

  it('changes settings without resetting the others, and refuses bad values readably', async () => {
    const f = await startSandboxFixture({ settings: { scopeMode: 'lenient', onchainDelayMs: 123 } })
    const control = `${f.sandbox.origin}/_sandbox`
    const res = await rawCall(`${control}/settings`, {
      body: { duplicateIgnoreMode: 'conflict', stuck: true },
    })
    expect(res.json).toMatchObject({
      duplicateIgnoreMode: 'conflict',
      stuck: true,
      scopeMode: 'lenient',
      onchainDelayMs: 123,
    })

    const bad = await rawCall(`${control}/settings`, { body: { onchainDelayMs: -1 } })
    expect(bad.status).toBe(400)
    expect((bad.json as { message: string }).message).toContain('onchainDelayMs')
    const unknown = await rawCall(`${control}/settings`, { body: { turbo: true } })
    expect(unknown.status).toBe(400)
    const rates = await rawCall(`${control}/faults`, {
      body: { issue: { rates: { http500: 0.7, reset: 0.7 } } },
    })
    expect((rates.json as { message: string }).message).toContain('add up to more than 1')
  })

  it('sets consent and the feature flag', async () => {
    const f = await startSandboxFixture()
    const control = `${f.sandbox.origin}/_sandbox`
    const email = uniqueEmail()
    expect((await rawCall(`${control}/consent`, { body: { email, rejected: true } })).status).toBe(
      200,
    )
    expect(await catchMocaError(f.client().issue(f.issueCall({ email })))).toMatchObject({
      code: 'MOCA_CONSENT_REJECTED',
    })
    expect(
      (await rawCall(`${control}/feature`, { body: { partnerId: PARTNER_ID, enabled: false } }))
        .status,
    ).toBe(200)
    expect(await catchMocaError(f.client().issue(f.issueCall()))).toMatchObject({
      code: 'MOCA_FORBIDDEN',
    })
    expect(
      (await rawCall(`${control}/feature`, { body: { partnerId: 'nobody', enabled: false } }))
        .status,
    ).toBe(400)
  })

  it('reset returns to the config as loaded', async () => {
    const f = await startSandboxFixture({ faults: { status: { rates: { http500: 1 } } } })
    const control = `${f.sandbox.origin}/_sandbox`
    const issued = await f.client().issue(f.issueCall())
    await rawCall(`${control}/settings`, { body: { stuck: true } })
    await rawCall(`${control}/faults`, { body: {} })
    expect((await rawCall(`${control}/reset`, { method: 'POST' })).json).toEqual({ ok: true })

    expect((await rawCall(`${control}/stats`)).json).toMatchObject({
      issue: { received: 0 },
      credentials: { issued: 0 },
      users: 0,
    })
    expect((await rawCall(`${control}/calls`)).json).toMatchObject({ total: 0, calls: [] })
    expect((await rawCall(`${control}/settings`)).json).toMatchObject({ stuck: false })
    expect((await rawCall(`${control}/faults`)).json).toMatchObject({
      status: { rates: { http500: 1 } },
    })
    expect(
      await catchMocaError(
        f.client().status({ email: uniqueEmail(), coreClaimHash: issued.coreClaimHash }),
      ),
    ).toMatchObject({ httpStatus: 500 })
  })

  it('answers 404 for an unknown control route and is healthy', async () => {
    const f = await startSandboxFixture()
    expect((await rawCall(`${f.sandbox.origin}/_sandbox/health`)).json).toEqual({ ok: true })
    expect((await rawCall(`${f.sandbox.origin}/_sandbox/nothing`)).status).toBe(404)
  })
})

describe('sandbox faults', () => {
  it('draws the same faults for the same seed', async () => {
    const draws = async () => {
      const f = await startSandboxFixture({
        config: { seed: 42 },
        faults: { issue: { rates: { http500: 0.5 } } },
      })
      const client = f.client()
      const statuses: (number | null)[] = []
      for (let i = 0; i < 12; i += 1) {
        statuses.push(
          await client.issue(f.issueCall()).then(
            () => 200,
            (err: { httpStatus: number | null }) => err.httpStatus,
          ),
        )
      }
      return statuses
    }
    const first = await draws()
    expect(first).toContain(500)
    expect(first).toContain(200)
    expect(await draws()).toEqual(first)
  })

  it('a rate of 1 fails every call; faults are per endpoint', async () => {
    const f = await startSandboxFixture({ faults: { status: { rates: { http502: 1 } } } })
    const client = f.client()
    const email = uniqueEmail()
    const issued = await client.issue(f.issueCall({ email }))
    for (let i = 0; i < 3; i += 1) {
      expect(
        await catchMocaError(client.status({ email, coreClaimHash: issued.coreClaimHash })),
      ).toMatchObject({ httpStatus: 502 })
    }
    expect(f.sandbox.stats().status.faults).toEqual({ http502: 3 })
  })

  it('latency delays the answer, the answer stays the same', async () => {
    const f = await startSandboxFixture({
      faults: { issue: { latency: { uniformMs: { min: 5, max: 20 } } } },
    })
    const issued = await f.client().issue(f.issueCall())
    expect(issued.coreClaimHash).toMatch(/^[0-9a-f]{64}$/)
  })
})
