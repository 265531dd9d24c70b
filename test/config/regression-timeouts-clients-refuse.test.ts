import { describe, expect, it } from 'vitest'
import { isRelayError } from '../../src/errors/relay-error.js'
import { parseConfig, readEnvOrFail } from '../../src/config/load-config.js'
import { minimalConfig } from '../support/minimal-config.js'

/**
 * Was: kafka.sessionTimeout 0 or 3s passed config loading and `check`, then `run` exited 70 with
 * "unexpected error (a bug…): KafkaJSNonRetriableError: Consumer heartbeatInterval (3000) must be
 * lower than sessionTimeout (0)"; a session under 6 s or over 30 min, and a transaction timeout of
 * 0 or over 15 min, were refused by the broker only once the relay ran; moca.connectTimeout,
 * moca.requestTimeout or issue.retry.maxRetryAfter of 0 passed `check`'s config line and then
 * failed in the MocaChain client ("MocaChain client options: ✖ Too small…", naming no field).
 * Each now stops config loading naming the field, the limit and whose limit it is.
 */
function load(
  kafka: Record<string, unknown>,
  more: Record<string, unknown> = {},
): ReturnType<typeof parseConfig> {
  return parseConfig(
    { ...minimalConfig, ...more, kafka },
    { env: readEnvOrFail({}), configPath: 'relay.yaml' },
  )
}

function refusal(kafka: Record<string, unknown>, more: Record<string, unknown> = {}): string {
  try {
    load(kafka, more)
  } catch (err) {
    if (isRelayError(err) && err.code === 'CONFIG_INVALID') return err.message
    throw err
  }
  throw new Error(`accepted ${JSON.stringify({ kafka, ...more })}`)
}

describe('Kafka timeouts the consumer or the broker would refuse', () => {
  it.each([0, '3s', '5999ms'])('kafka.sessionTimeout %j stops config loading', (value) => {
    expect(refusal({ sessionTimeout: value })).toBe(
      'invalid configuration in relay.yaml:\n  - kafka.sessionTimeout: must be at least 6s: Kafka brokers refuse a shorter consumer session (group.min.session.timeout.ms, 6000 by default), and the consumer heartbeats every 3s',
    )
  })

  it('kafka.sessionTimeout over 30m stops config loading', () => {
    expect(refusal({ sessionTimeout: '31m' })).toBe(
      'invalid configuration in relay.yaml:\n  - kafka.sessionTimeout: must be at most 30m: Kafka brokers refuse a longer consumer session (group.max.session.timeout.ms, 1800000 by default)',
    )
  })

  it.each([0, '16m'])('kafka.transactionTimeout %j stops config loading', (value) => {
    expect(refusal({ transactionTimeout: value })).toBe(
      'invalid configuration in relay.yaml:\n  - kafka.transactionTimeout: must be more than 0 and at most 15m: Kafka brokers refuse a longer transaction (transaction.max.timeout.ms, 900000 by default)',
    )
  })

  it('accepts the limits themselves', () => {
    const { config } = load({ sessionTimeout: '6s', transactionTimeout: '15m' })
    expect(config.kafka.sessionTimeout).toBe(6_000)
    expect(config.kafka.transactionTimeout).toBe(900_000)
    expect(load({ sessionTimeout: '30m' }).config.kafka.sessionTimeout).toBe(1_800_000)
  })
})

describe('MocaChain client timeouts the client would refuse', () => {
  it.each([
    ['moca.connectTimeout', { moca: { ...minimalConfig.moca, connectTimeout: 0 } }],
    ['moca.requestTimeout', { moca: { ...minimalConfig.moca, requestTimeout: 0 } }],
    ['issue.retry.maxRetryAfter', { issue: { retry: { maxRetryAfter: 0 } } }],
  ])('%s 0 stops config loading, naming the field', (field, more) => {
    expect(refusal({}, more)).toBe(
      `invalid configuration in relay.yaml:\n  - ${field}: must be more than 0: the MocaChain client waits at most this long`,
    )
  })
})
