/**
 * One partition of kyc.completed run by the real PartitionWorker, circuit and issue stage, with
 * route "kyc" (kycRoute), events decoded and encoded as JSON, every issue call counted and what the
 * partition logged captured. A partition failure is thrown, so a test fails on one it did not
 * expect.
 */
import type { RetryPolicy } from '../../src/domain/retry-policy.js'
import type { MocaClient } from '../../src/moca/moca-client.js'
import { createRouteCircuit, probePolicyOf } from '../../src/pipeline/circuit-breaker.js'
import { createIssueStage } from '../../src/pipeline/issue-stage.js'
import { livePolicy } from '../../src/pipeline/ledger-policy.js'
import { createMocaFailureWarnings } from '../../src/pipeline/moca-failure-warnings.js'
import { noopMetrics } from '../../src/pipeline/relay-metrics.js'
import { captureLogs } from './capture-logs.js'
import { jsonDecoder, jsonEncoder } from './json-codec.js'
import { kycRoute } from './kyc-route.js'
import { testPartitionWorker } from './test-partition-worker.js'

const TOPIC = 'kyc.completed'

export function issuePartition(
  moca: MocaClient,
  options: { retryPolicy: RetryPolicy; level: string },
) {
  const logs = captureLogs(options.level)
  const circuit = createRouteCircuit({
    route: 'kyc',
    probePolicy: probePolicyOf({ initialDelayMs: 1000, maxDelayMs: 30_000 }),
    onChange: () => undefined,
  })
  let calls = 0
  const counted: MocaClient = {
    ...moca,
    issue: (...args) => {
      calls++
      return moca.issue(...args)
    },
  }
  const worker = testPartitionWorker({
    stage: 'issue',
    topic: TOPIC,
    ledgerTopic: `relay.ledger.${TOPIC}`,
    createProcessor: createIssueStage({
      decoder: jsonDecoder,
      encoder: jsonEncoder,
      routes: [kycRoute({ topics: [TOPIC] })],
      moca: counted,
      circuitOf: () => circuit,
      retryPolicy: options.retryPolicy,
      ledgerPolicy: livePolicy,
      topics: { issued: 'issued', failed: 'failed', confirmQueue: 'queue' },
      uncertaintyWindowMs: 0,
      metrics: noopMetrics,
      // The relay's warnings go to its own logger; here they join the partition's lines.
      failureWarnings: createMocaFailureWarnings({ logger: logs.logger }),
    }),
    logger: logs.logger,
  })
  let offset = 0
  return {
    /** What the partition logged, parsed. */
    logLines: logs.lines,
    /** How many issue calls the stage made. */
    calls: () => calls,
    worker,
    /** Admits the next record of the partition, holding `data` as JSON. */
    deliver(data: unknown) {
      worker.admit({
        topic: TOPIC,
        partition: 0,
        offset: String(offset++),
        key: Buffer.from('k'),
        value: Buffer.from(JSON.stringify(data)),
        headers: {},
        timestamp: String(Date.now()),
      })
    },
  }
}
