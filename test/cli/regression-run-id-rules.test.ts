import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { findActiveRangeRuns } from '../../src/cli/active-range-runs.js'
import { createRedriveCommand } from '../../src/cli/redrive-command.js'
import { createReplayCommand } from '../../src/cli/replay-command.js'
import { checkRunId, newRunId } from '../../src/cli/run-id.js'

/**
 * Runs a command in-process with its stderr captured. The config path names no file: a command
 * that got past the run-id check fails with CONFIG_FILE_NOT_FOUND instead of touching Kafka.
 */
async function run(command: 'replay' | 'redrive', args: string[]) {
  let stderr = ''
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((text) => {
    stderr += String(text)
    return true
  })
  onTestFinished(() => write.mockRestore())
  const created = command === 'replay' ? createReplayCommand() : createRedriveCommand()
  const topic = command === 'replay' ? ['--topic', 'kyc.completed'] : []
  const code = await created
    .run(['--config', 'no/such/relay.yaml', ...topic, ...args])
    .catch((err: unknown) => err)
  return { code, stderr }
}

describe('regression: a --run-id that collides with the live relay, or names nothing', () => {
  // The failure: `replay … --run-id confirm` joined `<groupId>.confirm`, the live confirm stage's
  // consumer group (the live relay rebalanced, the replay hung), and `--run-id ''` was accepted.
  it.each(['replay', 'redrive'] as const)(
    '%s refuses --run-id confirm with exit code 2, naming the rule',
    async (command) => {
      const { code, stderr } = await run(command, ['--run-id', 'confirm'])
      expect(code).toBe(2)
      expect(stderr).toContain(
        `moca-relay ${command}: --run-id confirm is a name the live relay uses`,
      )
      expect(stderr).toContain("a run under it would join the live relay's group")
    },
  )

  it.each([[''], ['a.b'], ['_x'], ['has space'], ['Confirm'], ['range']])(
    'replay refuses --run-id %j with exit code 2',
    async (runId) => {
      const { code, stderr } = await run('replay', ['--run-id', runId])
      expect(code).toBe(2)
      expect(stderr).toMatch(/^moca-relay replay: --run-id .* (is not a run id|is a name the live)/)
    },
  )

  it('accepts the run ids the commands make, so a printed resume line works', () => {
    for (const kind of ['replay', 'reissue', 'dryrun', 'redrive'])
      expect(checkRunId(newRunId(kind))).toBeNull()
    expect(checkRunId(`${newRunId('redrive')}-confirm`)).toBeNull()
  })
})

describe('range runs seen as running', () => {
  it('are the non-empty <groupId>.<run-id> groups, not the live, dry-run or reader groups', async () => {
    const member = { memberMetadata: Buffer.alloc(0) }
    const groups = {
      'relay.confirm': [member],
      'relay.replay-1': [member],
      'relay.replay-2': [],
      'relay.replay-3.dry-run': [member],
      'relay.redrive-reader.ab12': [member],
      relay: [member],
      'other.replay-4': [member],
    } as Record<string, { memberMetadata: Buffer }[]>
    const asked: string[][] = []
    const admin = {
      listGroups: () =>
        Promise.resolve({
          groups: Object.keys(groups).map((groupId) => ({ groupId, protocolType: 'consumer' })),
        }),
      describeGroups: (ids: string[]) => {
        asked.push(ids)
        return Promise.resolve({
          groups: ids.map((groupId) => ({ groupId, members: groups[groupId] ?? [] })),
        })
      },
    }
    // (a plain object stands in for kafkajs's Admin: only these two calls are used)
    const active = await findActiveRangeRuns(admin as never, 'relay')
    expect(asked).toEqual([['relay.replay-1', 'relay.replay-2']])
    expect(active).toEqual([
      { runId: 'replay-1', groupId: 'relay.replay-1', members: 1, topics: [] },
    ])
  })

  it("regression: include a redrive's re-poll group when its --run-id is near the 100 characters", async () => {
    // The failure: a redrive re-polls under `<run-id>-confirm`, which is past 100 characters for
    // a --run-id of 93 or more, so it was not run-id shaped and not seen: a second process under
    // that --run-id joined the re-poll group instead of being refused (RANGE_RUN_ACTIVE).
    const runId = `redrive-${'a'.repeat(92)}`
    const groupId = `relay.${runId}-confirm`
    const admin = {
      listGroups: () => Promise.resolve({ groups: [{ groupId, protocolType: 'consumer' }] }),
      describeGroups: (ids: string[]) =>
        Promise.resolve({
          groups: ids.map((id) => ({
            groupId: id,
            members: [{ memberMetadata: Buffer.alloc(0) }],
          })),
        }),
    }
    expect(checkRunId(runId)).toBeNull()
    // (a plain object stands in for kafkajs's Admin: only these two calls are used)
    const active = await findActiveRangeRuns(admin as never, 'relay')
    expect(active).toEqual([{ runId: `${runId}-confirm`, groupId, members: 1, topics: [] }])
  })
})
