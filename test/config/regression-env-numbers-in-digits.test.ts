import { describe, expect, it } from 'vitest'
import { isRelayError } from '../../src/errors/relay-error.js'
import { readEnvOrFail } from '../../src/config/load-config.js'

/**
 * Was: numeric environment variables were read with Number(): MOCA_RELAY_OPS_PORT=' ' gave port 0
 * (a random port, so the JWKS URL registered with MocaChain and the scrape target were wrong),
 * '0x50' gave 80 and '9e3' gave 9000, and the relay started. A port, or a timeout in ms, is now
 * a decimal integer written in digits; anything else stops start-up naming the variable.
 */

function refusal(env: Record<string, string>): string {
  try {
    readEnvOrFail(env)
  } catch (err) {
    if (isRelayError(err) && err.code === 'CONFIG_INVALID') return err.message
    throw err
  }
  throw new Error(`accepted ${JSON.stringify(env)}`)
}

describe('numeric environment variables', () => {
  const notDigits = [' ', '0x50', '9e3', '80.0', '+80', '-1', '1_000', ' 9464', '9464 ', 'Infinity']

  it.each(notDigits)('MOCA_RELAY_OPS_PORT=%j stops start-up, naming the variable', (value) => {
    expect(refusal({ MOCA_RELAY_OPS_PORT: value })).toBe(
      'invalid configuration in the environment:\n  - MOCA_RELAY_OPS_PORT: must be a port number written in digits, 0 to 65535',
    )
  })

  it('MOCA_RELAY_OPS_PORT past 65535 stops start-up too', () => {
    expect(refusal({ MOCA_RELAY_OPS_PORT: '65536' })).toContain('MOCA_RELAY_OPS_PORT: ')
  })

  it('MOCA_RELAY_OPS_PORT written in digits is the port, 0 included', () => {
    expect(readEnvOrFail({ MOCA_RELAY_OPS_PORT: '9464' }).MOCA_RELAY_OPS_PORT).toBe(9464)
    expect(readEnvOrFail({ MOCA_RELAY_OPS_PORT: '0' }).MOCA_RELAY_OPS_PORT).toBe(0)
    expect(readEnvOrFail({ MOCA_RELAY_OPS_PORT: '65535' }).MOCA_RELAY_OPS_PORT).toBe(65535)
  })

  it.each(['STACK_KAFKA_PORT', 'STACK_KAFKA_CONTROLLER_PORT', 'STACK_REGISTRY_PORT'])(
    '%s is read the same way, from 1',
    (name) => {
      for (const value of ['0x50', '9e3', ' ', '0'])
        expect(refusal({ [name]: value })).toBe(
          `invalid configuration in the environment:\n  - ${name}: must be a port number written in digits, 1 to 65535`,
        )
      expect(readEnvOrFail({ [name]: '19092' })[name as 'STACK_KAFKA_PORT']).toBe(19092)
    },
  )

  it('STACK_START_TIMEOUT_MS is a whole number of milliseconds written in digits', () => {
    for (const value of ['2e5', '0x1000', ' ', '0', '1.5'])
      expect(refusal({ STACK_START_TIMEOUT_MS: value })).toBe(
        'invalid configuration in the environment:\n  - STACK_START_TIMEOUT_MS: must be a whole number of milliseconds written in digits, 1 or more',
      )
    expect(readEnvOrFail({ STACK_START_TIMEOUT_MS: '200000' }).STACK_START_TIMEOUT_MS).toBe(200_000)
  })
})
