import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { createReplayCommand } from '../../src/cli/replay-command.js'

/**
 * Runs `moca-relay replay …` in-process, capturing what a user would see. The checks tested here
 * come before any Kafka connection; the brokers point nowhere, so a replay that got past them
 * fails instead of touching a real topic.
 */
async function replay(args: string[]) {
  vi.stubEnv('KAFKA_BROKERS', '127.0.0.1:1')
  let stderr = ''
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((text) => {
    stderr += String(text)
    return true
  })
  onTestFinished(() => {
    write.mockRestore()
    vi.unstubAllEnvs()
  })
  const code = await createReplayCommand()
    .run(args)
    .catch((err: unknown) => err)
  return { code, stderr }
}

/** A config file whose routes read kyc.completed and member.joined. */
async function configFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'moca-relay-replay-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'relay.json')
  const route = (name: string, topic: string) => ({
    name,
    topics: [topic],
    program: { issuerDid: 'did:air:x', credentialId: 'c1' },
    credentialSubject: { level: 'level' },
  })
  await writeFile(
    path,
    JSON.stringify({
      moca: { partnerId: 'partner-1', key: { kid: 'k1', file: 'keys/partner.pem' } },
      routes: [route('kyc', 'kyc.completed'), route('loyalty', 'member.joined')],
    }),
  )
  return path
}

describe('moca-relay replay, refusing before it starts', () => {
  it('refuses --dry-run with --reissue with exit code 2: a dry run must not reissue', async () => {
    const { code, stderr } = await replay([
      '--config',
      await configFile(),
      '--topic',
      'kyc.completed',
      '--dry-run',
      '--reissue',
      '--yes',
    ])
    expect(code).toBe(2)
    expect(stderr).toBe('moca-relay replay: --dry-run and --reissue exclude each other.\n')
  })

  it('refuses a topic no route reads, naming the topics it can replay', async () => {
    const { code } = await replay(['--config', await configFile(), '--topic', 'orders.placed'])
    expect(code).toMatchObject({
      code: 'CONFIG_INVALID',
      message: 'no route reads "orders.placed": replay one of kyc.completed, member.joined',
    })
  })
})
