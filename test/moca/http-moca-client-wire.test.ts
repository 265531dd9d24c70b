import { describe, expect, it } from 'vitest'
import { catchMocaError } from '../support/catch-moca-error.js'
import { startScriptedServer } from '../support/raw-http.js'
import { PROGRAM, SUBJECT, startSandboxFixture, uniqueEmail } from '../support/sandbox-fixture.js'

const issued = { coreClaimHash: 'c'.repeat(64), credentialId: 'cred-1', userUuid: 'user-1' }

describe('MocaClient: what goes on the wire', () => {
  it('POSTs the documented body with the partner JWT, user-agent and idempotency-key headers', async () => {
    const server = await startScriptedServer((req, res) => {
      const body =
        req.method === 'POST'
          ? { coreClaimHash: 'a'.repeat(64), credentialId: PROGRAM.credentialId, userUuid: 'u' }
          : { coreClaimHash: 'b'.repeat(64), vcStatus: 'WAIT_ONCHAIN' }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    })
    const f = await startSandboxFixture()
    const client = f.client({ baseUrl: server.baseUrl })
    const email = uniqueEmail()
    await client.issue(f.issueCall({ email, idempotencyKey: 'idem-42', onDuplicate: 'ignore' }))
    await client.status({ email, coreClaimHash: 'b'.repeat(64) })
    const [issue, status] = server.requests
    expect(issue?.headers).toMatchObject({
      'content-type': 'application/json',
      'idempotency-key': 'idem-42',
      'x-partner-auth': await f.tokens.tokenFor(email),
    })
    expect(issue?.headers['user-agent']).toMatch(/^moca-relay\/\d+\.\d+\.\d+/)
    expect(JSON.parse(issue?.body ?? '')).toEqual({
      issuerDid: PROGRAM.issuerDid,
      credentialId: PROGRAM.credentialId,
      credentialSubject: SUBJECT,
      onDuplicate: 'ignore',
    })
    expect(status?.headers['x-partner-auth']).toBe(await f.tokens.tokenFor(email))
    expect(status?.headers['idempotency-key']).toBeUndefined()
    expect(status?.headers['content-type']).toBeUndefined()
  })

  it('joins the base URL and the paths without doubling /v1', async () => {
    const f = await startSandboxFixture()
    // The sandbox serves only /v1/credentials/...; a doubled /v1 would be a 404.
    const issued = await f.client({ baseUrl: `${f.sandbox.url}/` }).issue(f.issueCall())
    expect(issued.coreClaimHash).toMatch(/^[0-9a-f]{64}$/)
  })

  it.each([
    ['a body that is not the documented shape', JSON.stringify({ hash: 'x' })],
    ['a body that is not JSON', '<html>ok</html>'],
    ['an empty body', ''],
  ])('a 2xx with %s is MOCA_UNEXPECTED_RESPONSE, retryable and uncertain', async (_what, body) => {
    const server = await startScriptedServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(body)
    })
    const f = await startSandboxFixture()
    const client = f.client({ baseUrl: server.baseUrl })
    const err = await catchMocaError(client.issue(f.issueCall()))
    expect(err).toMatchObject({
      code: 'MOCA_UNEXPECTED_RESPONSE',
      classification: 'retryable',
      uncertain: true,
      httpStatus: 200,
    })
  })

  it('a 2xx body over maxResponseBytes is MOCA_UNEXPECTED_RESPONSE, and the next call goes through', async () => {
    let served = 0
    const server = await startScriptedServer((_req, res) => {
      served += 1
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(served === 1 ? `"${'x'.repeat(64 * 1024)}"` : JSON.stringify(issued))
    })
    const f = await startSandboxFixture()
    const client = f.client({ baseUrl: server.baseUrl, maxResponseBytes: 4096 })
    const err = await catchMocaError(client.issue(f.issueCall()))
    expect(err).toMatchObject({
      code: 'MOCA_UNEXPECTED_RESPONSE',
      uncertain: true,
      httpStatus: 200,
    })
    expect(err.message).toContain('body over 4096 bytes')
    await expect(client.issue(f.issueCall())).resolves.toMatchObject(issued)
  })

  it('any 2xx with the documented body is a success (201 Created issued the credential)', async () => {
    const server = await startScriptedServer((_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json' })
      res.end(JSON.stringify(issued))
    })
    const f = await startSandboxFixture()
    const client = f.client({ baseUrl: server.baseUrl })
    await expect(client.issue(f.issueCall())).resolves.toMatchObject(issued)
  })

  it('a 2xx body of exactly maxResponseBytes is read whole', async () => {
    const body = JSON.stringify(issued)
    const server = await startScriptedServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(body)
    })
    const f = await startSandboxFixture()
    const client = f.client({ baseUrl: server.baseUrl, maxResponseBytes: Buffer.byteLength(body) })
    await expect(client.issue(f.issueCall())).resolves.toMatchObject(issued)
  })

  it('a status outside the table (418) is MOCA_UNEXPECTED_RESPONSE, terminal', async () => {
    const server = await startScriptedServer((_req, res) => {
      res.writeHead(418, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ code: 418, msg: 'short and stout' }))
    })
    const f = await startSandboxFixture()
    const client = f.client({ baseUrl: server.baseUrl })
    const err = await catchMocaError(client.issue(f.issueCall()))
    expect(err).toMatchObject({
      code: 'MOCA_UNEXPECTED_RESPONSE',
      classification: 'terminal',
      uncertain: false,
      httpStatus: 418,
      mocaMessage: 'short and stout',
    })
  })

  it('never puts the JWT into an error, even when a gateway echoes it back', async () => {
    const server = await startScriptedServer((req, res) => {
      res.writeHead(502, { 'content-type': 'text/plain' })
      res.end(
        `bad gateway for request with x-partner-auth: ${String(req.headers['x-partner-auth'])}`,
      )
    })
    const f = await startSandboxFixture()
    const client = f.client({ baseUrl: server.baseUrl })
    const email = uniqueEmail()
    const err = await catchMocaError(client.issue(f.issueCall({ email })))
    const token = await f.tokens.tokenFor(email)
    const everything = `${err.message} ${err.mocaMessage} ${JSON.stringify(err)} ${err.stack}`
    expect(everything).not.toContain(token)
    expect(everything).not.toContain(token.split('.')[2])
    expect(err.mocaMessage).toContain('[jwt]')
  })

  it('cuts a huge error body to a short message and still reads the status', async () => {
    const server = await startScriptedServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'text/plain' })
      res.end('x'.repeat(1024 * 1024))
    })
    const f = await startSandboxFixture()
    const client = f.client({ baseUrl: server.baseUrl })
    const err = await catchMocaError(client.issue(f.issueCall()))
    expect(err).toMatchObject({ code: 'MOCA_BAD_REQUEST', httpStatus: 400 })
    expect(err.mocaMessage?.length).toBeLessThanOrEqual(300)
  })

  it('reads a status whose optional fields are null (a credential not on chain yet has no vcId)', async () => {
    const server = await startScriptedServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          coreClaimHash: 'b'.repeat(64),
          vcStatus: 'WAIT_ONCHAIN',
          vcId: null,
          issuanceDate: null,
          issuerDid: null,
          expirationDate: null,
        }),
      )
    })
    const f = await startSandboxFixture()
    const client = f.client({ baseUrl: server.baseUrl })
    const status = await client.status({ email: uniqueEmail(), coreClaimHash: 'b'.repeat(64) })
    expect(status).toMatchObject({ vcStatus: 'WAIT_ONCHAIN', vcId: null })
  })
})

describe('MocaClient: a 200 is read for what the relay needs', () => {
  // Was: an issue 200 without the credentialId echo (which the relay never reads: events carry
  // the route's program) was MOCA_UNEXPECTED_RESPONSE, retried with "ignore" to the deadline and
  // failed MOCA_RETRIES_EXHAUSTED although MocaChain had issued the credential.
  it('reads an issue answer without the credentialId echo', async () => {
    const server = await startScriptedServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ coreClaimHash: 'a'.repeat(64), userUuid: 'user-1' }))
    })
    const f = await startSandboxFixture()
    const client = f.client({ baseUrl: server.baseUrl })
    await expect(client.issue(f.issueCall())).resolves.toMatchObject({
      coreClaimHash: 'a'.repeat(64),
      userUuid: 'user-1',
    })
  })

  // userUuid is required as a string by credential.issued and credential.onchain (the public
  // contract), so an answer without it cannot be published and stays unreadable.
  it('still refuses an issue answer without userUuid', async () => {
    const server = await startScriptedServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ coreClaimHash: 'a'.repeat(64), credentialId: 'c1' }))
    })
    const f = await startSandboxFixture()
    const err = await catchMocaError(f.client({ baseUrl: server.baseUrl }).issue(f.issueCall()))
    expect(err).toMatchObject({ code: 'MOCA_UNEXPECTED_RESPONSE', uncertain: true })
    expect(err.message).toContain('userUuid')
  })
})
