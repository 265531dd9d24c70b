import { describe, expect, it } from 'vitest'
import { createLogger } from '../../src/ops/logger.js'
import { duplicateTopLevelKeys } from '../support/duplicate-json-keys.js'
import { runnerHarness } from '../support/stage-runner-harness.js'

/**
 * Was: "drain timed out" carried `topic` and `partition` twice in one JSON line
 * ({"stage":"issue","topic":"r1-kyc","partition":1,"topic":"r1-kyc","partition":1,…}): the
 * partition's child logger already binds them, and the call repeated them. A JSON line with
 * duplicate keys is refused or mangled by strict log shippers.
 */
const IN = 'orders'
const LEDGER = 'relay.issue-ledger.orders'

describe('the log lines of a partition that is stopped with work still running', () => {
  it('carry each key once, "drain timed out" included', async () => {
    const raw: string[] = []
    const logger = createLogger(
      { level: 'debug' },
      { write: (line: string) => void raw.push(line) },
    )
    const h = runnerHarness({
      input: IN,
      ledger: LEDGER,
      deps: {
        logger,
        drainMs: 20,
        // a record whose work ends only when it is cancelled: the drain times out
        createProcessor: (ctx) => ({
          process: () => undefined,
          whenIdle: () =>
            new Promise<void>((resolve) => {
              if (ctx.signal.aborted) resolve()
              else ctx.signal.addEventListener('abort', () => resolve(), { once: true })
            }),
        }),
      },
    })
    await h.runner.start()
    h.join({ [IN]: [0], [LEDGER]: [0] })
    await h.settle()
    await h.inputBatch(0, [{ offset: 0, value: Buffer.from('{}') }])
    await h.settle()
    await h.runner.stop()

    const drain = raw.filter((line) => line.includes('"msg":"drain timed out'))
    expect(drain).toHaveLength(1)
    expect(JSON.parse(drain[0]!)).toMatchObject({ stage: 'issue', topic: IN, partition: 0 })
    expect(raw.length).toBeGreaterThan(1)
    for (const line of raw)
      expect({ line, duplicates: duplicateTopLevelKeys(line) }).toEqual({ line, duplicates: [] })
  })
})
