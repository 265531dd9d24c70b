import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { createRedriveCommand } from '../../src/cli/redrive-command.js'

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
})
