import { describe, expect, it } from 'vitest'
import { classifyNetworkError } from '../../src/moca/classify-network-error.js'

/** An error as undici and Node raise them: matched on `code`, never on the class. */
function coded(code: string, message = `failed with ${code}`): Error {
  return Object.assign(new Error(message), { code })
}

/** A failure undici reported itself, before or after the request went onto a socket. */
const unwritten = (error: unknown) => ({ error, written: false, aborted: false })
const written = (error: unknown) => ({ error, written: true, aborted: false })

/**
 * The failures the client tests cannot produce on a loopback server (a connect timeout, a
 * happy-eyeballs connect), and the bugs that must never be retried.
 */
describe('classifyNetworkError', () => {
  it.each([
    ['a connect timeout', coded('UND_ERR_CONNECT_TIMEOUT')],
    [
      'an AggregateError of refused connects (happy eyeballs)',
      new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')], 'connect failed'),
    ],
    ['a lost route while connecting', coded('EHOSTUNREACH')],
  ])('%s is MOCA_UNAVAILABLE and certain: the request never left', (_what, err) => {
    expect(classifyNetworkError(unwritten(err), 'issue')).toMatchObject({
      code: 'MOCA_UNAVAILABLE',
      classification: 'retryable',
      uncertain: false,
      httpStatus: null,
    })
  })

  it.each(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'ECONNREFUSED'])(
    '%s once the request was written is MOCA_UNCERTAIN: the code no longer proves it never left',
    (code) => {
      // Regression: these codes meant "not sent" wherever they surfaced, an established
      // connection included, so an issue MocaChain had received was retried as a fresh one.
      expect(classifyNetworkError(written(coded(code)), 'issue')).toMatchObject({
        code: 'MOCA_UNCERTAIN',
        uncertain: true,
        httpStatus: null,
      })
    },
  )

  it.each([
    ['a network code', coded('ECONNREFUSED')],
    ['no code', new DOMException('The call was aborted', 'AbortError')],
    ['a TypeError', new TypeError('stopping')],
  ])(
    'an abort after the request was written, its reason with %s, is MOCA_UNCERTAIN',
    (_what, reason) => {
      // Regression: the abort reason's code was read as the wire's, so an in-flight call aborted
      // with a reason coded ECONNREFUSED came out "not sent".
      expect(
        classifyNetworkError({ error: reason, written: true, aborted: true }, 'issue'),
      ).toMatchObject({ code: 'MOCA_UNCERTAIN', uncertain: true })
    },
  )

  it.each([
    ['an uncertain code', coded('UND_ERR_SOCKET')],
    ['no code', new DOMException('The call was aborted', 'AbortError')],
    ['a TypeError', new TypeError('stopping')],
  ])(
    'an abort before anything was written, its reason with %s, is MOCA_UNAVAILABLE',
    (_what, reason) => {
      expect(
        classifyNetworkError({ error: reason, written: false, aborted: true }, 'issue'),
      ).toMatchObject({ code: 'MOCA_UNAVAILABLE', uncertain: false })
    },
  )

  it.each([
    ['a TypeError without a code', new TypeError('Cannot read properties of undefined')],
    ['a RangeError without a code', new RangeError('Invalid array length')],
    ['undici refusing an argument', coded('UND_ERR_INVALID_ARG', 'invalid headers')],
  ])('%s is rethrown as it is: a bug is never retried', (_what, err) => {
    expect(() => classifyNetworkError(unwritten(err), 'issue')).toThrow(err)
  })
})
