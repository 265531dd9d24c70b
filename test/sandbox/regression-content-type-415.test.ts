import { request } from 'undici'
import { describe, expect, it } from 'vitest'
import { PROGRAM, SUBJECT, startSandboxFixture, uniqueEmail } from '../support/sandbox-fixture.js'

/**
 * The failure: the sandbox parsed every issue body as JSON whatever its Content-Type, so a client
 * that sent its JSON as text/plain (or with no Content-Type at all) was issued a credential. The
 * API lists `Content-Type: application/json` as a required header; the sandbox now refuses any
 * other media type with 415 in MocaChain's error body shape, and issues nothing.
 */
async function postWith(url: string, token: string, contentType: string | null) {
  const res = await request(`${url}/credentials/issue-on-behalf`, {
    method: 'POST',
    headers: {
      'x-partner-auth': token,
      ...(contentType === null ? {} : { 'content-type': contentType }),
    },
    body: JSON.stringify({ ...PROGRAM, credentialSubject: SUBJECT }),
  })
  const text = await res.body.text()
  return { status: res.statusCode, json: JSON.parse(text) as unknown }
}

describe('sandbox, the Content-Type of an issue call', () => {
  it.each([
    ['text/plain', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['none', null],
  ])('415 for %s, and nothing issued', async (_what, contentType) => {
    const f = await startSandboxFixture()
    const email = uniqueEmail()
    const res = await postWith(f.sandbox.url, await f.tokens.tokenFor(email), contentType)
    expect(res.status).toBe(415)
    expect(res.json).toMatchObject({
      error: 415,
      message: 'Content-Type must be application/json.',
    })
    expect(f.sandbox.stats().credentials).toEqual({ issued: 0, revoked: 0 })
  })

  it('takes application/json with parameters and in any case', async () => {
    const f = await startSandboxFixture()
    for (const contentType of ['application/json; charset=utf-8', 'Application/JSON']) {
      const res = await postWith(f.sandbox.url, await f.tokens.tokenFor(uniqueEmail()), contentType)
      expect(res.status).toBe(200)
    }
  })

  it('checks the partner JWT first, as for every other problem with the body', async () => {
    const f = await startSandboxFixture()
    const res = await postWith(f.sandbox.url, 'not-a-jwt', 'text/plain')
    expect(res.status).toBe(401)
  })
})
