import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { createRedriveCommand } from '../../src/cli/redrive-command.js'
import { minimalConfig } from '../support/minimal-config.js'

/**
 * Runs `moca-relay redrive …` in-process, capturing its stderr. The checks tested here come before
 * the configuration is read: the config path names no file, so a redrive that got past them
 * fails with CONFIG_FILE_NOT_FOUND instead of touching Kafka.
 */
async function redrive(args: string[]) {
  let stderr = ''
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((text) => {
    stderr += String(text)
    return true
  })
  onTestFinished(() => write.mockRestore())
  const code = await createRedriveCommand()
    .run(['--config', 'no/such/relay.yaml', ...args])
    .catch((err: unknown) => err)
  return { code, stderr }
}

/** A valid config file (its brokers point nowhere), for checks that must not depend on it. */
async function configFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'moca-relay-redrive-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'relay.json')
  await writeFile(
    path,
    JSON.stringify({
      kafka: { brokers: ['127.0.0.1:1'] },
      ...minimalConfig,
    }),
  )
  return path
}

describe('moca-relay redrive, refusing before it starts', () => {
  it('refuses a --reason in another case with exit code 2, naming the code it meant', async () => {
    const { code, stderr } = await redrive([
      '--reason',
      'MOCA_RETRIES_EXHAUSTED',
      '--reason',
      'moca_consent_rejected',
    ])
    expect(code).toBe(2)
    expect(stderr).toMatch(
      /^moca-relay redrive: --reason moca_consent_rejected is not an error code; did you mean MOCA_CONSENT_REJECTED\?\n\nUsage:\n {2}moca-relay redrive /,
    )
  })

  it('refuses an option it does not have, such as --reissue (replay has it)', async () => {
    const { code, stderr } = await redrive(['--reason', 'MOCA_DUPLICATE_CONFLICT', '--reissue'])
    expect(code).toBe(2)
    expect(stderr).toContain("Unknown option '--reissue'")
  })

  it('regression: refuses a --since that is not a time with exit code 2, saying what --since takes', async () => {
    // The failure: `--since yesterday` answered with the offset forms of a replay's --from
    // ("is not an offset, earliest, latest, live, …"), which redrive does not take, and exited 1
    // where a bad --reason exits 2.
    const { code, stderr } = await redrive(['--config', await configFile(), '--since', 'yesterday'])
    expect(code).toBe(2)
    expect(stderr).toMatch(
      /^moca-relay redrive: --since yesterday is not a time: give an ISO-8601 time with its zone \(2026-11-24T09:00:00Z\) or a duration ago \(24h, 30m\)\n\nUsage:\n {2}moca-relay redrive /,
    )
    expect(stderr).not.toContain('earliest')
  })

  it('regression: refuses a --since in the future with exit code 2 before reading anything', async () => {
    // The failure: the redrive read credential.failed, selected nothing and exited 0.
    const { code, stderr } = await redrive([
      '--config',
      await configFile(),
      '--since',
      '2062-11-27T08:00:00Z',
    ])
    expect(code).toBe(2)
    expect(stderr).toMatch(
      /^moca-relay redrive: --since 2062-11-27T08:00:00Z is in the future: no failure was written after it yet\. Give a time in the past, or a duration ago \(24h\)\n\nUsage:\n/,
    )
  })
})
