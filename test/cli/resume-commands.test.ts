import { describe, expect, it } from 'vitest'
import { parseOffsetSpec, resolveOffsets } from '../../src/cli/offset-spec.js'
import { redriveResumeCommand } from '../../src/cli/redrive-command.js'
import { replayResumeCommand } from '../../src/cli/replay-command.js'
import { fakeTopicAdmin } from '../support/fake-topic-admin.js'

/** The value that follows `option` in a printed command line. */
function optionOf(command: string, option: string): string[] {
  const words = command.split(' ')
  return words.flatMap((word, i) => (word === option ? [words[i + 1]!] : []))
}

/** A topic of two partitions holding offsets 0 to 99 each; the live relay has moved on to 90. */
const admin = fakeTopicAdmin({
  bounds: [
    { partition: 0, low: 0, high: 100 },
    { partition: 1, low: 0, high: 100 },
  ],
  committed: [
    { partition: 0, offset: '90' },
    { partition: 1, offset: '90' },
  ],
})

describe('the "Resume with" line of an interrupted replay', () => {
  const run = {
    topic: 'kyc.completed',
    runId: 'reissue-20261126-1200-ab12',
    from: new Map([
      [0, 10],
      [1, 0],
    ]),
    // what `--to live` meant when the run started; the live relay has since gone further
    to: new Map([
      [0, 40],
      [1, 25],
    ]),
    dryRun: false,
    reissue: true,
    config: 'relay.yaml',
  }

  it('pins the range the run resolved, so a resumed reissue replaces nothing beyond it', async () => {
    const command = replayResumeCommand(run)
    const bound = async (option: string) =>
      resolveOffsets(
        admin,
        run.topic,
        parseOffsetSpec(optionOf(command, option)[0]!, option),
        'relay',
      )
    expect(await bound('--from')).toEqual(run.from)
    expect(await bound('--to')).toEqual(run.to)
    expect(command).toMatch(/^moca-relay replay --topic kyc\.completed --run-id reissue-\S+ /)
    expect(command).toContain(' --reissue --yes ')
  })

  it('keeps a dry run a dry run', () => {
    const command = replayResumeCommand({ ...run, dryRun: true, reissue: false })
    expect(command).toContain(' --dry-run ')
    expect(command).not.toContain('--reissue')
  })
})

describe('the "Resume with" line of an interrupted redrive', () => {
  it('repeats each --reason and pins --since to the time it meant, with the run id once', () => {
    const sinceMs = Date.parse('2026-11-25T12:00:00Z')
    const command = redriveResumeCommand({
      runId: 'redrive-20261126-1200-cd34',
      config: 'conf/relay.yaml',
      reasons: ['MOCA_CONSENT_REJECTED', 'MOCA_RETRIES_EXHAUSTED'],
      sinceMs,
      dryRun: false,
    })
    expect(optionOf(command, '--run-id')).toEqual(['redrive-20261126-1200-cd34'])
    expect(optionOf(command, '--config')).toEqual(['conf/relay.yaml'])
    expect(optionOf(command, '--reason')).toEqual([
      'MOCA_CONSENT_REJECTED',
      'MOCA_RETRIES_EXHAUSTED',
    ])
    const since = parseOffsetSpec(optionOf(command, '--since')[0]!, '--since')
    expect(since).toEqual({ kind: 'time', ms: sinceMs })
    expect(command).not.toContain('--dry-run')
    // every word is an option or an option's value: nothing parseArgs would refuse as stray
    expect(command.replace(/^moca-relay redrive /, '').split(' ').length % 2).toBe(0)
  })

  it('says nothing of --since or --reason when the run had none, and keeps --dry-run', () => {
    expect(
      redriveResumeCommand({
        runId: 'r1',
        config: 'relay.yaml',
        reasons: [],
        sinceMs: null,
        dryRun: true,
      }),
    ).toBe('moca-relay redrive --run-id r1 --config relay.yaml --dry-run')
  })

  it('keeps --allow-past-retention: the resume would be refused without it', () => {
    expect(
      redriveResumeCommand({
        runId: 'r1',
        config: 'relay.yaml',
        reasons: [],
        sinceMs: null,
        dryRun: false,
        allowPastRetention: true,
      }),
    ).toBe('moca-relay redrive --run-id r1 --config relay.yaml --allow-past-retention')
  })
})
