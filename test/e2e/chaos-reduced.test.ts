import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { describe, expect, inject, it, onTestFinished } from 'vitest'
import { openChaosContext, runChaos } from '../../bench/chaos/chaos-run.js'
import { renderFailureDetails, renderTextTable } from '../../bench/chaos/chaos-table.js'
import { killAllChildren } from '../../bench/support/child-processes.js'
import { openKafkaEnvironment } from '../../bench/support/kafka-environment.js'
import { CLI } from '../support/relay-process.js'

describe('chaos, reduced (npm run chaos in small)', () => {
  it('after kill -9s, a group member lost, a broker restart and MocaChain faults, nothing is lost, revoked twice, duplicated or reordered', async () => {
    const runPrefix = `t-${randomBytes(3).toString('hex')}-chaos`
    const workDir = await mkdtemp(join(tmpdir(), 'moca-relay-chaos-'))
    const log = (line: string): void => void process.stderr.write(`[chaos] ${line}\n`)
    const kafka = await openKafkaEnvironment({
      runPrefix,
      report: log,
      brokers: inject('kafkaBrokers'),
    })
    const { ctx, close } = await openChaosContext({ cliPath: CLI, workDir, runPrefix, log })
    onTestFinished(async () => {
      killAllChildren()
      await close()
      await kafka.close()
    })

    const results = await runChaos(ctx, kafka, {
      scenarios: ['kill', 'group', 'faults', 'broker'],
      trials: 3,
      events: 50,
      seed: 7,
    })
    process.stdout.write(`\n${renderTextTable(results)}${renderFailureDetails(results)}`)

    expect(results.map((r) => `${r.scenario} #${r.trial}`)).toEqual([
      'kill #1',
      'kill #2',
      'kill #3',
      'group #1',
      'faults #1',
      'broker #1',
    ])
    expect(results.reduce((kills, r) => kills + r.kills, 0)).toBeGreaterThanOrEqual(4)
    for (const r of results) {
      const trial = `${r.scenario} #${r.trial} (logs in ${workDir})`
      expect(r.finished, trial).toBe(true)
      expect(r.hangs, trial).toEqual([])
      expect(r.verdict?.lost.examples, trial).toEqual([])
      expect(r.verdict?.duplicateRevokes.examples, trial).toEqual([])
      expect(r.verdict?.duplicateOutputs.examples, trial).toEqual([])
      expect(r.verdict?.orderViolations.examples, trial).toEqual([])
    }
  }, 400_000)
})
