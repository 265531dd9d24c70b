import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { renderServerProperties } from '../../src/stack/kafka-broker.js'
import { fillPlaceholders, parseProperties } from '../../src/stack/properties-file.js'
import { resolveStackSettings } from '../../src/stack/stack-settings.js'

describe('parseProperties', () => {
  it('reads key=value lines and skips comments and blank lines', () => {
    const parsed = parseProperties('# a comment\n\n! another\na.b=1\nc = x=y \n')
    expect([...parsed]).toEqual([
      ['a.b', '1'],
      ['c', 'x=y'],
    ])
  })

  it('rejects a line that is not key=value', () => {
    expect(() => parseProperties('just words')).toThrow(/not a key=value line/)
  })
})

describe('fillPlaceholders', () => {
  it('fills every placeholder', () => {
    expect(fillPlaceholders('a=${HOST}:${PORT}', { HOST: 'h', PORT: '1' })).toBe('a=h:1')
  })

  it('refuses a placeholder without a value and a value without a placeholder', () => {
    expect(() => fillPlaceholders('a=${HOST}', {})).toThrow(/HOST/)
    expect(() => fillPlaceholders('a=1', { HOST: 'h' })).toThrow(/HOST/)
  })
})

describe('the rendered server.properties', () => {
  it('binds the configured ports and carries every single-node setting', async () => {
    const settings = resolveStackSettings(
      {},
      { kafkaPort: 29092, controllerPort: 29093, registryPort: 28081, stackDir: '/tmp/s' },
    )
    const rendered = parseProperties(
      await renderServerProperties({ settings, dataDir: '/tmp/s/data' }),
    )
    expect(rendered.get('listeners')).toBe(
      'PLAINTEXT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093',
    )
    expect(rendered.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:29092')
    expect(rendered.get('controller.quorum.voters')).toBe('1@127.0.0.1:29093')
    expect(rendered.get('log.dirs')).toBe('/tmp/s/data')
    const singleNode = parseProperties(
      await readFile(join(settings.infraDir, 'kafka', 'single-node.properties'), 'utf8'),
    )
    expect(singleNode.get('transaction.state.log.min.isr')).toBe('1')
    for (const [key, value] of singleNode) expect(rendered.get(key), key).toBe(value)
  })
})
