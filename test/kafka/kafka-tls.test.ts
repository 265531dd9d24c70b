import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { kafkaTlsOptions } from '../../src/kafka/kafka-tls.js'

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
const KEY = '-----BEGIN PRIVATE KEY-----\nsecret-key-material\n-----END PRIVATE KEY-----\n'

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'moca-relay-kafka-tls-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text)
  return dir
}

describe('kafkaTlsOptions', () => {
  it('passes true and false through, and reads the PEM files into what kafkajs takes', async () => {
    expect(kafkaTlsOptions(true)).toBe(true)
    expect(kafkaTlsOptions(false)).toBe(false)
    const dir = await folder({ 'ca.pem': PEM, 'client.crt': PEM, 'client.key': KEY })
    expect(
      kafkaTlsOptions({
        ca: join(dir, 'ca.pem'),
        cert: join(dir, 'client.crt'),
        key: join(dir, 'client.key'),
      }),
    ).toEqual({ ca: PEM, cert: PEM, key: KEY })
    expect(kafkaTlsOptions({ ca: join(dir, 'ca.pem') })).toEqual({ ca: PEM })
  })

  it('stops start-up naming the field and the file it cannot read', () => {
    expect(() => kafkaTlsOptions({ ca: '/nonexistent/ca.pem' })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(
          /^kafka\.ssl\.ca: \/nonexistent\/ca\.pem cannot be read \(ENOENT\)/,
        ),
      }),
    )
  })

  it('refuses a file that is not PEM, without quoting what is in it', async () => {
    const dir = await folder({ 'client.key': 'secret-key-material in DER or base64' })
    let message = ''
    try {
      kafkaTlsOptions({ cert: join(dir, 'client.key'), key: join(dir, 'client.key') })
    } catch (err) {
      message = (err as Error).message
    }
    expect(message).toMatch(/^kafka\.ssl\.cert: .+client\.key is not a PEM file/)
    expect(message).not.toContain('secret-key-material')
  })
})
