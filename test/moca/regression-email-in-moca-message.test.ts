import { describe, expect, it } from 'vitest'
import { failure } from '../../src/domain/build-output-events.js'
import { catchMocaError } from '../support/catch-moca-error.js'
import { startScriptedServer } from '../support/raw-http.js'
import { startSandboxFixture } from '../support/sandbox-fixture.js'

/**
 * Was: error-body.ts cut MocaChain's message at 300 characters before anything masked emails
 * (that happened later, in failure() and the log lines). A cut inside an address left
 * "jonathan.doe@exampl…", which no longer reads as an email, so it was published in
 * credential.failed and logged partly in clear. An HTML page that writes the @ as an entity
 * (`&#64;`, `&#x40;`, `&commat;`) was not recognised as an address at all.
 */
describe("an email in MocaChain's error message", () => {
  async function published(contentType: string, body: string) {
    const server = await startScriptedServer((_req, res) => {
      res.writeHead(400, { 'content-type': contentType })
      res.end(body)
    })
    const f = await startSandboxFixture()
    const err = await catchMocaError(f.client({ baseUrl: server.baseUrl }).issue(f.issueCall()))
    expect(err.code).toBe('MOCA_BAD_REQUEST')
    // What credential.failed carries, and what the log lines quote.
    return {
      mocaMessage: err.mocaMessage ?? '',
      published: failure(err.code, err.message, 400, 1).message,
    }
  }

  it('is masked even when the 300-character limit cuts through it', async () => {
    const message = `${'x'.repeat(274)} user jonathan.doe@example.com rejected the credential`
    const r = await published('application/json', JSON.stringify({ error: 400, message }))
    expect(r.mocaMessage).not.toContain('jonathan')
    expect(r.published).not.toContain('jonathan')
    expect(r.mocaMessage).toContain('j***@')
    expect(r.mocaMessage.length).toBeLessThanOrEqual(300)
  })

  it.each([
    ['&#64;', 'jonathan.doe&#64;example.com'],
    ['&#x40;', 'jonathan.doe&#x40;example.com'],
    ['&commat;', 'jonathan.doe&commat;example.com'],
    ['entities for the dots too', 'jonathan&#46;doe&#64;example&#x2E;com'],
  ])('is masked in an HTML page that writes it with %s', async (_what, address) => {
    const r = await published(
      'text/html',
      `<html><body><h1>Bad request</h1><p>No account for ${address}</p></body></html>`,
    )
    expect(r.mocaMessage).toBe('Bad request No account for j***@example.com')
    expect(r.published).not.toContain('jonathan')
  })
})
