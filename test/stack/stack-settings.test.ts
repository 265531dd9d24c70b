import { describe, expect, it } from 'vitest'
import { resolveStackSettings, STACK_DEFAULTS } from '../../src/stack/stack-settings.js'

describe('resolveStackSettings', () => {
  it('uses the tutorial ports by default, the environment over them, and overrides over both', () => {
    expect(resolveStackSettings({}).kafkaPort).toBe(STACK_DEFAULTS.kafkaPort)
    const fromEnv = resolveStackSettings({ STACK_KAFKA_PORT: 19092, STACK_REGISTRY_PORT: 18081 })
    expect([fromEnv.kafkaPort, fromEnv.controllerPort, fromEnv.registryPort]).toEqual([
      19092, 9093, 18081,
    ])
    expect(resolveStackSettings({ STACK_KAFKA_PORT: 19092 }, { kafkaPort: 29092 }).kafkaPort).toBe(
      29092,
    )
  })

  it('keeps downloads and run files under the project .stack folder unless STACK_DIR says', () => {
    const settings = resolveStackSettings({})
    expect(settings.stackDir).toBe(`${settings.projectRoot}/.stack`)
    expect(resolveStackSettings({ STACK_DIR: '/var/tmp/s' }).stackDir).toBe('/var/tmp/s')
  })

  it('refuses two services on one port, naming the settings to change', () => {
    expect(() => resolveStackSettings({ STACK_REGISTRY_PORT: 9092 })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('STACK_REGISTRY_PORT') as unknown,
      }),
    )
  })

  it('refuses an IPv6 address as the host, which no kafkajs client could name as a broker', () => {
    expect(() => resolveStackSettings({ STACK_HOST: '::1' })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining(
          'Fix: set STACK_HOST (--host) to an IPv4 address',
        ) as unknown,
      }),
    )
    expect(resolveStackSettings({}, { host: '127.0.0.2' }).host).toBe('127.0.0.2')
  })
})
