import { afterAll, beforeAll } from 'vitest'
import { startDedicatedBroker, type DedicatedBroker } from '../../bench/chaos/dedicated-broker.js'

/** The broker of a test file's own takes ~10 s to start. */
const START_TIMEOUT_MS = 120_000

/**
 * A Kafka broker of the calling test file's own (the local stack's, on free ports), started
 * before its tests and removed after them: for a test that stops the broker, or uses names other
 * tests could meet on the suite's. Call it in a describe block; the getter works inside tests.
 */
export function useFileBroker(): () => DedicatedBroker {
  let broker: DedicatedBroker | undefined
  beforeAll(async () => {
    broker = await startDedicatedBroker(() => undefined)
  }, START_TIMEOUT_MS)
  afterAll(async () => {
    await broker?.remove()
  })
  return () => {
    if (broker === undefined) throw new Error('the test file’s own broker did not start')
    return broker
  }
}
