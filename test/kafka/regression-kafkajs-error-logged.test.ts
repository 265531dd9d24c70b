import { KafkaJSConnectionError, KafkaJSSASLAuthenticationError } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { createKafka } from '../../src/kafka/create-kafka.js'
import { captureLogs } from '../support/capture-logs.js'

/**
 * Was: kafkajs passes Error objects to its logger, as the message (`logger.error(e, {…})` when a
 * broker connection fails for good) and as fields (`{ error: e }`). They reached the JSON line as
 * `"msg":{"name":"KafkaJSConnectionError","retriable":true,…}` or `"error":{}`: an Error's message
 * is not enumerable, so what went wrong was lost; and an Error as the message skipped the
 * redaction of log fields, so every enumerable field of it was printed.
 */
function bridge() {
  const logs = captureLogs('debug')
  const kafka = createKafka(
    {
      brokers: ['127.0.0.1:1'],
      clientId: 'f1b-test',
      ssl: false,
      sasl: { mechanism: 'plain', username: 'relay', password: 'sasl-password-f1b' },
    },
    logs.logger,
  )
  return { log: kafka.logger(), lines: logs.lines }
}

describe('a kafkajs error in a log entry', () => {
  it('as the message: the line says its name and message', () => {
    const { log, lines } = bridge()
    const err = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:1', {
      broker: '127.0.0.1:1',
    })
    log.error(err as unknown as string, { retryCount: 5, retryTime: 100 })
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'error',
        component: 'kafkajs',
        retryCount: 5,
        msg: 'KafkaJSConnectionError: Connection error: connect ECONNREFUSED 127.0.0.1:1',
      }),
    ])
  })

  it('as a field: the field says its name and message, a TypeError included', () => {
    const { log, lines } = bridge()
    log.error('Error when calling eachMessage', {
      topic: 'kyc.completed',
      error: new KafkaJSConnectionError('Connection error: read ECONNRESET'),
    })
    log.error('Crash', { error: new TypeError('cannot read properties of undefined') })
    expect(lines.map((l) => l.error)).toEqual([
      'KafkaJSConnectionError: Connection error: read ECONNRESET',
      'TypeError: cannot read properties of undefined',
    ])
  })

  it('never prints what else the error carries, such as SASL settings', () => {
    const { log, lines } = bridge()
    const err = Object.assign(
      // (its typings take no arguments; kafkajs passes the message as to every KafkaJSError)
      new (KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error)(
        'SASL PLAIN authentication failed',
      ),
      {
        sasl: { mechanism: 'plain', username: 'relay', password: 'sasl-password-f1b' },
      },
    )
    log.error(err as unknown as string, {})
    log.error('SASL authentication failed', { error: err })
    expect(lines.map((l) => [l.msg, l.error])).toEqual([
      ['KafkaJSSASLAuthenticationError: SASL PLAIN authentication failed', undefined],
      [
        'SASL authentication failed',
        'KafkaJSSASLAuthenticationError: SASL PLAIN authentication failed',
      ],
    ])
    expect(JSON.stringify(lines)).not.toContain('sasl-password-f1b')
  })
})
