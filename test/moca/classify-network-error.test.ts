import { describe, expect, it } from 'vitest'
import { classifyNetworkError } from '../../src/moca/classify-network-error.js'

/** An error as undici and Node raise them: matched on `code`, never on the class. */
function coded(code: string, message = `failed with ${code}`): Error {
  return Object.assign(new Error(message), { code })
}

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
  ])('%s is MOCA_UNAVAILABLE and certain: the request never left', (_what, err) => {
    expect(classifyNetworkError(err, 'issue')).toMatchObject({
      code: 'MOCA_UNAVAILABLE',
      classification: 'retryable',
      uncertain: false,
      httpStatus: null,
    })
  })

  it.each([
    ['a TypeError without a code', new TypeError('Cannot read properties of undefined')],
    ['a RangeError without a code', new RangeError('Invalid array length')],
    ['undici refusing an argument', coded('UND_ERR_INVALID_ARG', 'invalid headers')],
  ])('%s is rethrown as it is: a bug is never retried', (_what, err) => {
    expect(() => classifyNetworkError(err, 'issue')).toThrow(err)
  })
})
