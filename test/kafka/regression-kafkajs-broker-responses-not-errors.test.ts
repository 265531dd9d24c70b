import { describe, expect, it } from 'vitest'
import { createKafka } from '../../src/kafka/create-kafka.js'
import { captureLogs } from '../support/capture-logs.js'

/**
 * Was: kafkajs logs each error code a broker answers with at ERROR, before the request's caller
 * retries it: one scale-out and scale-in of a relay wrote 72 "Response Heartbeat(key: 12,
 * version: 3)" error lines ("The group is rebalancing, so a rejoin is needed"), and start-up
 * wrote "This server does not host this topic-partition" for topics it had just created. Anyone
 * alerting on error logs was paged for routine events. They are debug lines now; kafkajs's other
 * errors (a broker it cannot reach) stay errors.
 */
function bridge() {
  const logs = captureLogs('debug')
  const kafka = createKafka(
    { brokers: ['127.0.0.1:1'], clientId: 'responses-test', ssl: false },
    logs.logger,
  )
  return { log: kafka.logger(), lines: logs.lines }
}

describe("a broker's error response as kafkajs logs it", () => {
  it('is a debug line, with what the broker said', () => {
    const { log, lines } = bridge()
    log.namespace('Connection').error('Response Heartbeat(key: 12, version: 3)', {
      broker: '127.0.0.1:9092',
      clientId: 'relay',
      error: 'The group is rebalancing, so a rejoin is needed',
      correlationId: 7,
      size: 10,
    })
    log.namespace('Connection').error('Response Metadata(key: 3, version: 6)', {
      error: 'This server does not host this topic-partition',
    })
    expect(lines.map((l) => [l.level, l.msg, l.error])).toEqual([
      [
        'debug',
        'Response Heartbeat(key: 12, version: 3)',
        'The group is rebalancing, so a rejoin is needed',
      ],
      [
        'debug',
        'Response Metadata(key: 3, version: 6)',
        'This server does not host this topic-partition',
      ],
    ])
  })

  it('leaves a broker kafkajs cannot reach an error', () => {
    const { log, lines } = bridge()
    log.namespace('Connection').error('Connection error: connect ECONNREFUSED 127.0.0.1:1', {
      broker: '127.0.0.1:1',
    })
    log.namespace('BrokerPool').error('Failed to connect to seed broker', {})
    expect(lines.map((l) => l.level)).toEqual(['error', 'error'])
  })
})
