import type * as fsPromises from 'node:fs/promises'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { userInfo, tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { loadPartnerKey } from '../../src/cli/load-partner-key.js'
import { loadConfig } from '../../src/config/load-config.js'
import { minimalConfig } from '../support/minimal-config.js'

/**
 * Was: a config file or partner key file that exists but the relay's user may not read (mode
 * 600, another owner) got the advice for a missing one: "pass an existing YAML or JSON file",
 * "run moca-relay keys generate" (a new key, when the fix is the file's permissions). The tests
 * run as root, which reads any file, so the file system's refusal is simulated: readFile answers
 * EACCES, as Node does, for files named locked.*.
 */
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof fsPromises>()
  return {
    ...actual,
    readFile: (async (path: Parameters<typeof actual.readFile>[0], ...rest: unknown[]) => {
      if (String(path).includes('locked.')) {
        throw Object.assign(new Error(`EACCES: permission denied, open '${String(path)}'`), {
          code: 'EACCES',
        })
      }
      return (actual.readFile as (...args: unknown[]) => Promise<unknown>)(path, ...rest)
    }) as typeof actual.readFile,
  }
})

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'unreadable-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  return dir
}

const fixPermissions = `it exists, but this user (${userInfo().username}) may not read it: give that user read permission (chmod, chown), or run as a user who may`

describe('a file the relay may not read', () => {
  it('the config file: says to fix its permissions, not to pass another file', async () => {
    const path = join(await folder(), 'locked.yaml')
    await writeFile(path, JSON.stringify(minimalConfig))
    await expect(loadConfig(path, { env: {} })).rejects.toMatchObject({
      code: 'CONFIG_FILE_NOT_FOUND',
      message: `cannot read the config file ${path} (EACCES): ${fixPermissions}`,
    })
  })

  it('the partner key file: says to fix its permissions, not to generate a key', async () => {
    const dir = await folder()
    const config = {
      ...minimalConfig,
      moca: { ...minimalConfig.moca, key: { kid: 'k1', file: 'locked.pem' } },
    }
    await writeFile(join(dir, 'relay.yaml'), JSON.stringify(config))
    await writeFile(join(dir, 'locked.pem'), 'a key nobody here may read\n')
    const loaded = await loadConfig(join(dir, 'relay.yaml'), { env: {} })
    const refusal = await loadPartnerKey(loaded).catch((err: unknown) => err as Error)
    expect(refusal).toMatchObject({
      code: 'KEY_INVALID',
      message: `cannot read the partner key file ${join(dir, 'locked.pem')} (EACCES): ${fixPermissions}`,
    })
  })

  it('a missing key file still gets the advice for a missing one', async () => {
    const dir = await folder()
    await writeFile(join(dir, 'relay.yaml'), JSON.stringify(minimalConfig))
    const loaded = await loadConfig(join(dir, 'relay.yaml'), { env: {} })
    const refusal = await loadPartnerKey(loaded).catch((err: unknown) => err as Error)
    expect(refusal).toMatchObject({
      code: 'KEY_INVALID',
      message: expect.stringMatching(
        /\(ENOENT\): fix moca\.key\.file, or run `moca-relay keys generate/,
      ),
    })
  })
})
