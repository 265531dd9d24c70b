import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/load-config.js'
import { minimalConfig } from '../support/minimal-config.js'

/**
 * Was: `kafka.groupId: '  '` was accepted (a consumer group named two spaces),
 * `topics.replicationFactor: 0` was quietly read as -1, and `confirm: { initialDelay: 1m,
 * deadline: 1s }` (with maxDelay raised to match) was accepted, though each credential then got
 * one poll, at 1m, and a CONFIRM_TIMEOUT saying "not ONCHAIN 1 s after issuance". Each is now
 * refused at config, naming the field and what it takes.
 */
const parse = (extra: Record<string, unknown>) =>
  parseConfig({ ...minimalConfig, ...extra }, { env: {}, configPath: 'relay.yaml' })

describe('config values that cannot mean what they say', () => {
  it.each(['', '  '])('refuses kafka.groupId %j: blank', (groupId) => {
    expect(() => parse({ kafka: { groupId } })).toThrow(
      '  - kafka.groupId: cannot be blank: name the consumer group, or leave groupId out for "moca-relay"',
    )
  })

  it('refuses a kafka.groupId or transactionalIdPrefix with leading or trailing whitespace', () => {
    expect(() => parse({ kafka: { groupId: ' moca-relay' } })).toThrow(
      'kafka.groupId: " moca-relay" has leading or trailing whitespace: remove it',
    )
    expect(() => parse({ kafka: { transactionalIdPrefix: 'tx ' } })).toThrow(
      'kafka.transactionalIdPrefix: "tx " has leading or trailing whitespace: remove it',
    )
    expect(() => parse({ kafka: { transactionalIdPrefix: ' ' } })).toThrow(
      'kafka.transactionalIdPrefix: cannot be blank: leave transactionalIdPrefix out to use the groupId',
    )
  })

  it.each([0, -2])('refuses topics.replicationFactor %j: -1 or 1 or more', (replicationFactor) => {
    expect(() => parse({ topics: { replicationFactor } })).toThrow(
      'topics.replicationFactor: must be -1 (min(3, brokers)) or a number of replicas, 1 or more',
    )
  })

  it('refuses a confirm.deadline shorter than confirm.initialDelay, naming both', () => {
    expect(() =>
      parse({ confirm: { initialDelay: '1m', maxDelay: '1m', deadline: '1s' } }),
    ).toThrow(
      '  - confirm.deadline: confirm.deadline is shorter than confirm.initialDelay, the wait before the first status poll',
    )
  })

  it('takes what works: -1 and 1 replicas, a deadline equal to initialDelay (one poll), no drain', () => {
    expect(parse({ topics: { replicationFactor: 1 } }).config.topics.replicationFactor).toBe(1)
    expect(parse({}).config.topics.replicationFactor).toBe(-1)
    const confirm = { initialDelay: '1m', maxDelay: '1m', deadline: '1m' }
    expect(parse({ confirm }).config.confirm.deadline).toBe(60_000)
    // A zero drain is a choice: the workers stop at once, as they do on a rebalance (stop(0)).
    expect(parse({ shutdown: { drainTimeout: 0 } }).config.shutdown.drainTimeout).toBe(0)
  })
})
