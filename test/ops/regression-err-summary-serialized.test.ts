import { describe, expect, it } from 'vitest'
import { RelayError } from '../../src/errors/relay-error.js'
import { summarizeError } from '../../src/pipeline/issue-call.js'
import { captureLogs } from '../support/capture-logs.js'

/**
 * Was: a line whose `err` is a summary of an error rather than the error (every MocaChain failure
 * line: { code, message, httpStatus, uncertain }) read
 * "err":{"type":"Object","message":"…","stack":"","code":"MOCA_FORBIDDEN",…}: pino's error
 * serializer took any object with a message for an error.
 */
describe('an err field', () => {
  it('that is a summary is printed as it is', () => {
    const { logger, lines } = captureLogs()
    const err = new RelayError('MOCA_FORBIDDEN', 'MocaChain answered 403 to issue-on-behalf', {
      classification: 'systemic',
    })
    logger.warn({ err: summarizeError(err) }, 'refused')
    expect(lines[0]?.err).toEqual({
      code: 'MOCA_FORBIDDEN',
      message: 'MocaChain answered 403 to issue-on-behalf',
    })
  })

  it('that is an error keeps its type, message and stack', () => {
    const { logger, lines } = captureLogs()
    logger.error({ err: new TypeError('boom') }, 'bug')
    expect(lines[0]?.err).toMatchObject({
      type: 'TypeError',
      message: 'boom',
      stack: expect.stringContaining('TypeError: boom') as unknown,
    })
  })
})
