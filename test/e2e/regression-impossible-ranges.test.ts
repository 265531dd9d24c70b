import { describe, expect, it } from 'vitest'
import { distinctUserEvents, startRelayFixture } from '../support/relay-fixture.js'
import { runCli, writeRelayConfig } from '../support/relay-process.js'

describe('regression: a replay range that cannot be what the operator meant', () => {
  it('is refused as a usage error naming the problem and the fix; an empty range says it is empty', async () => {
    // The failure: each of these resolved to an empty range (or dropped partition 7) and the
    // replay "succeeded" with exit 0 and "0 records", so a typo looked like a finished replay.
    const fixture = await startRelayFixture({ partitions: 2 })
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(10))
    const config = await writeRelayConfig(fixture.rawConfig)
    const topic = fixture.topics.kyc
    const replay = async (...range: string[]) => {
      const { code, output } = await runCli(
        ['replay', '--config', config, '--topic', topic, '--dry-run', ...range],
        { MOCA_PARTNER_PRIVATE_KEY: fixture.sandbox.privateKeyPem },
      )
      const said = output
        .split('\n')
        .find((line) => /^moca-relay replay: |range is empty/.test(line))
      return [code, said]
    }

    const seen = [
      await replay('--from', '15', '--to', '5'),
      await replay('--from', '0:15', '--to', '0:5'),
      await replay('--from', '1h', '--to', '2h'),
      await replay('--from', '2030-01-01T00:00:00Z'),
      await replay('--from', '7:0', '--to', '7:10'),
      await replay('--from', '0:0,7:0', '--to', '0:3,7:10'),
      await replay('--from', 'latest', '--to', 'earliest'),
      await replay('--from', '0:3', '--to', '0:3'),
    ]
    expect(seen).toEqual([
      [
        2,
        'moca-relay replay: --from 15 is after --to 5: the range runs backwards. Swap them: --from 5 --to 15',
      ],
      [
        2,
        'moca-relay replay: --from 0:15 is after --to 0:5: the range runs backwards. Swap them: --from 0:5 --to 0:15',
      ],
      [
        2,
        'moca-relay replay: --from 1h is after --to 2h: the range runs backwards. Swap them: --from 2h --to 1h',
      ],
      [
        2,
        'moca-relay replay: --from 2030-01-01T00:00:00Z is in the future: no record was written after it yet. Give a time in the past, or a duration ago (2h)',
      ],
      [
        2,
        `moca-relay replay: --from 7:0 names partition 7, which ${topic} does not have (its partitions: 0, 1): name only partitions of the topic`,
      ],
      [
        2,
        `moca-relay replay: --from 0:0,7:0 names partition 7, which ${topic} does not have (its partitions: 0, 1): name only partitions of the topic`,
      ],
      [
        2,
        expect.stringMatching(
          /^moca-relay replay: --from latest is after --to earliest \(partition 0: offset \d+ → 0; partition 1: offset \d+ → 0\): the range runs backwards/,
        ),
      ],
      [
        0,
        'The range is empty: --from 0:3 and --to 0:3 resolve to the same offsets on every partition. Nothing to do.',
      ],
    ])
  }, 90_000)
})
