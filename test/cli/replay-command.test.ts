import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { parseOffsetSpec, resolveRange } from '../../src/cli/offset-spec.js'
import { createReplayCommand, formatRangePlan } from '../../src/cli/replay-command.js'
import { ErrorCodes } from '../../src/errors/error-codes.js'
import { LedgerState } from '../../src/ledger/ledger-entry.js'
import { redrivePolicy, reissuePolicy } from '../../src/pipeline/ledger-policy.js'
import { fakeTopicAdmin } from '../support/fake-topic-admin.js'

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
  it.each([
    ['--from', 'foo', /--from "foo" is not an offset, "earliest", "latest", "live"/],
    ['--to', '2026-11-24T09:00:00', /--to "2026-11-24T09:00:00" has no time zone/],
  ])(
    'regression: refuses a malformed %s with exit code 2 and the usage, as other usage mistakes',
    async (option, value, says) => {
      // The failure: exit 1 and "[CONFIG_INVALID]" after connecting to Kafka, where a backwards
      // range or a bad --run-id exits 2 with the usage.
      const { code, stderr } = await replay([
        '--config',
        await configFile(),
        '--topic',
        'kyc.completed',
        option,
        value,
      ])
      expect(code).toBe(2)
      expect(stderr).toMatch(new RegExp(`^moca-relay replay: ${says.source}`))
      expect(stderr).toMatch(/\n\nUsage:\n {2}moca-relay replay /)
    },
  )

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
    expect(stderr).toMatch(
      /^moca-relay replay: --dry-run and --reissue exclude each other\.\n\nUsage:\n {2}moca-relay replay --topic/,
    )
  })

  it('refuses a topic no route reads, naming the topics it can replay', async () => {
    const { code } = await replay(['--config', await configFile(), '--topic', 'orders.placed'])
    expect(code).toMatchObject({
      code: 'CONFIG_INVALID',
      message: 'no route reads "orders.placed": replay one of kyc.completed, member.joined',
    })
  })
})

describe('the plan a replay prints before it starts', () => {
  it('--from earliest --to 1:3 shows partition 0 as nothing, and counts only partition 1', async () => {
    const admin = fakeTopicAdmin({
      bounds: [
        { partition: 0, low: 10, high: 50 },
        { partition: 1, low: 0, high: 20 },
      ],
    })
    const { from, to } = await resolveRange(
      admin,
      'kyc.completed',
      { from: parseOffsetSpec('earliest', '--from'), to: parseOffsetSpec('1:3', '--to') },
      'relay',
    )
    expect(formatRangePlan(from, to)).toEqual([
      'partition 0: nothing',
      'partition 1: offsets 0 → 3',
    ])
  })
})

describe('the documented fix for MOCA_DUPLICATE_CONFLICT', () => {
  it('is a replay --reissue of that one record, with options replay has: a redrive would ask "ignore" again', () => {
    const action = ErrorCodes.MOCA_DUPLICATE_CONFLICT.action
    const command = /`(moca-relay replay [^`]+)`/.exec(action)?.[1] ?? '(no replay command)'
    const options = command.split(' ').filter((word) => word.startsWith('--'))
    expect(options).toEqual(['--topic', '--from', '--to', '--reissue'])
    const { usage } = createReplayCommand()
    for (const option of options) expect(usage).toContain(`${option} `)
    expect(command).toContain('--from PARTITION:OFFSET --to PARTITION:OFFSET+1')
    expect(action).not.toMatch(/redrive --reason MOCA_DUPLICATE_CONFLICT/)

    // The ledger entry such a failure leaves: FAILED, uncertain (a recovery call got the 409).
    const failed = {
      state: LedgerState.failed,
      generation: 0,
      at: 0,
      run: null,
      code: 'MOCA_DUPLICATE_CONFLICT',
      uncertain: true,
    } as const
    // A redrive recovers it again: onDuplicate "ignore", the same 409.
    expect(redrivePolicy('redrive-1').decide(failed)).toEqual({
      action: 'issue',
      generation: 0,
      recover: true,
    })
    // A reissue issues a new generation with the route's onDuplicate ("revoke" by default).
    expect(reissuePolicy('reissue-1').decide(failed)).toEqual({
      action: 'issue',
      generation: 1,
      recover: false,
    })
  })
})
