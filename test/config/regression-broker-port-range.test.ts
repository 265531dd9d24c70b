import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/load-config.js'
import { minimalConfig } from '../support/minimal-config.js'

/**
 * Was: `kafka.brokers: [127.0.0.1:99999]` (or KAFKA_BROKERS=127.0.0.1:99999) passed validation,
 * the broker rule checking only host:port digits, and failed at connect with kafkajs's "Port
 * should be >= 0 and < 65536". A port outside 1–65535 is now refused at config, naming the broker.
 */
const parse = (raw: unknown, env = {}) => parseConfig(raw, { env, configPath: 'relay.yaml' })

describe('a broker port out of range', () => {
  it('in the file: names the broker and the range', () => {
    expect(() =>
      parse({ ...minimalConfig, kafka: { brokers: ['kafka-1:9092', '127.0.0.1:99999'] } }),
    ).toThrow('  - kafka.brokers[1]: port 99999 is out of range (1–65535)')
    expect(() => parse({ ...minimalConfig, kafka: { brokers: ['kafka-1:0'] } })).toThrow(
      'kafka.brokers[0]: port 0 is out of range (1–65535)',
    )
  })

  it('from KAFKA_BROKERS: names the variable', () => {
    expect(() => parse(minimalConfig, { KAFKA_BROKERS: '127.0.0.1:99999' })).toThrow(
      'invalid configuration in the environment:\n  - KAFKA_BROKERS (kafka.brokers[0]): port 99999 is out of range (1–65535)',
    )
  })

  it('still takes ports 1 and 65535', () => {
    const brokers = ['a:1', 'b:65535']
    expect(parse({ ...minimalConfig, kafka: { brokers } }).config.kafka.brokers).toEqual(brokers)
  })
})
