import { request } from 'undici'
import { describe, expect, it } from 'vitest'
import { PROGRAM, startSandboxFixture, uniqueEmail } from '../support/sandbox-fixture.js'

/**
 * The failure: an issue body over the sandbox's 1 MiB limit is meant to get
 * `413 {"error":413,"message":"Request body too large."}` (issue-endpoint.ts), but
 * readRequestBody (http-io.ts) calls req.destroy() before the handler can answer, which destroys
 * the socket: the client sees a connection reset instead of a 413. A reset is exactly what the
 * relay treats as an uncertain outcome (the call may have landed), so the sandbox turns a
 * certain refusal into an "ignore" recovery path, and the 413 branch is dead code.
 */
describe('sandbox, an oversized issue body', () => {
  it('is answered 413 with the documented error body, not a reset', async () => {
    const f = await startSandboxFixture()
    const email = uniqueEmail()
    const body = JSON.stringify({
      ...PROGRAM,
      credentialSubject: { blob: 'x'.repeat(1024 * 1024 + 10) },
    })
    let outcome: { status: number; json: unknown } | { error: string }
    try {
      const res = await request(`${f.sandbox.url}/credentials/issue-on-behalf`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-partner-auth': await f.tokens.tokenFor(email),
        },
        body,
      })
      outcome = { status: res.statusCode, json: await res.body.json() }
    } catch (err) {
      outcome = { error: String((err as { code?: string }).code ?? err) }
    }
    expect(outcome).toEqual({
      status: 413,
      json: { error: 413, message: 'Request body too large.' },
    })
  })
})
