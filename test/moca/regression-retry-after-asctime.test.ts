import { afterEach, describe, expect, it } from 'vitest'
import { createMocaClient } from '../../src/moca/http-moca-client.js'
import { catchMocaError } from '../support/catch-moca-error.js'
import { startScriptedServer } from '../support/raw-http.js'

/**
 * Was: parseRetryAfter handed every HTTP-date to Date.parse, which reads the asctime form
 * ("Mon Jan 19 07:19:05 2026", one of the three RFC 9110 §5.6.7 says a recipient must accept)
 * in the machine's local time zone, not GMT. East of UTC a 429 asking for 20 s read as a date in
 * the past, so the relay retried at once; west of UTC it read as hours away and waited the cap.
 */
describe('a Retry-After in the asctime form', () => {
  const nowMs = Date.parse('2026-01-19T07:18:45Z')
  const savedTz = process.env.TZ
  afterEach(() => {
    if (savedTz === undefined) delete process.env.TZ
    else process.env.TZ = savedTz
  })

  it.each(['Asia/Tokyo', 'America/New_York', 'UTC'])(
    'is read as GMT on a machine in %s',
    async (timeZone) => {
      process.env.TZ = timeZone
      const server = await startScriptedServer((_req, res) => {
        res.writeHead(429, {
          'content-type': 'application/json',
          'retry-after': 'Mon Jan 19 07:19:05 2026',
        })
        res.end(JSON.stringify({ error: 429, message: 'Too many requests.' }))
      })
      const client = createMocaClient({
        options: { baseUrl: server.baseUrl },
        tokens: { tokenFor: () => Promise.resolve('token') },
        now: () => nowMs,
      })
      try {
        const err = await catchMocaError(
          client.status({ coreClaimHash: 'a'.repeat(64), email: 'alice@example.com' }),
        )
        expect(err).toMatchObject({ code: 'MOCA_UNAVAILABLE', httpStatus: 429 })
        expect(err.retryAfterMs).toBe(20_000)
      } finally {
        await client.close()
      }
    },
  )
})
