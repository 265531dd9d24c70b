import { FailureOrigin } from './partition-worker.js'
import type { StageName } from './relay-metrics.js'
import type { PartitionStatus, PartitionStop, StageRunner } from './stage-runner.js'

/**
 * Why a stage is not ready, one line each, for /readyz; none when it is. A partition that a
 * failure stopped is named with that failure until it commits again: rebuilt from its last
 * commit, it restores its ledger like any other, but that is not what keeps it from being ready.
 */
export function stageReadinessReasons(
  stage: StageName,
  runner: Pick<StageRunner, 'joined' | 'crashedWith' | 'partitions' | 'silentForMs'>,
): string[] {
  const crash = runner.crashedWith
  if (!runner.joined && crash)
    return [
      `${stage} stage lost its consumer group (${crash.code} ${crash.message}); joining it again (is Kafka reachable?)`,
    ]
  if (!runner.joined)
    return [`${stage} stage has not joined its consumer group yet (is Kafka reachable?)`]
  const silent = runner.silentForMs
  if (silent !== null)
    return [
      `${stage} stage has had no answer from Kafka for ${Math.round(silent / 1000)} s, longer than its session timeout (is Kafka reachable?)`,
    ]
  const reasons: string[] = []
  for (const p of runner.partitions) {
    if (p.stoppedBy) reasons.push(`${stage} stage: ${describeStop(p, p.stoppedBy)}`)
  }
  if (runner.partitions.some((p) => p.state !== 'ready' && !p.stoppedBy))
    reasons.push(`${stage} stage is restoring its ledger`)
  return reasons
}

function describeStop(p: PartitionStatus, stop: PartitionStop): string {
  const partition = `partition ${p.topic}/${p.partition}`
  const failure = `${stop.code} ${stop.message}`
  return stop.origin === FailureOrigin.transaction
    ? `${partition} stopped, its transaction failed: ${failure}`
    : `${partition} stopped: ${failure}`
}
