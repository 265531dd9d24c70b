import { AssignerProtocol, type Admin } from 'kafkajs'
import { RelayError } from '../errors/relay-error.js'
import { whenGroupCoordinatorReady } from './group-coordinator-retry.js'
import { isRangeRunName } from './run-id.js'

/** A replay or redrive of this relay whose consumer group has members right now. */
export interface ActiveRangeRun {
  readonly runId: string
  readonly groupId: string
  readonly members: number
  /** The input topics its members read (empty when their metadata cannot be read). */
  readonly topics: readonly string[]
}

/**
 * Range runs of the relay with group id `groupId` that are running: the non-empty groups
 * `<groupId>.<run-id>` (and `<groupId>.<run-id>-confirm`, a redrive's re-polls). The live groups (`<groupId>`, `<groupId>.confirm`), dry runs
 * (`….dry-run`) and redrive readers (`….redrive-reader.…`) are not run-id shaped and are left out.
 */
export async function findActiveRangeRuns(
  admin: Pick<Admin, 'listGroups' | 'describeGroups'>,
  groupId: string,
): Promise<ActiveRangeRun[]> {
  const prefix = `${groupId}.`
  const listed = await whenGroupCoordinatorReady({ groups: [`${prefix}*`] }, () =>
    admin.listGroups(),
  )
  const candidates = listed.groups
    .map((g) => g.groupId)
    .filter((id) => id.startsWith(prefix) && isRangeRunName(id.slice(prefix.length)))
  if (candidates.length === 0) return []
  const { groups } = await whenGroupCoordinatorReady({ groups: candidates }, () =>
    admin.describeGroups(candidates),
  )
  return groups
    .filter((g) => g.members.length > 0)
    .map((g) => ({
      runId: g.groupId.slice(prefix.length),
      groupId: g.groupId,
      members: g.members.length,
      topics: [...new Set(g.members.flatMap((m) => subscribedTopics(m.memberMetadata)))].sort(),
    }))
}

function subscribedTopics(metadata: Buffer): string[] {
  try {
    return AssignerProtocol.MemberMetadata.decode(metadata)?.topics ?? []
  } catch {
    return []
  }
}

/**
 * Refuses to start a real range run beside another one over the same input partitions: two runs
 * would each trust the ledger they restored and issue the same keys (RANGE_RUN_ACTIVE). A run
 * with one of `runIds` already running is the same run started twice; any other run counts when
 * it reads one of `topics` (or its topics cannot be read). The shared transactional ids
 * (range-run.ts) still fence two runs that pass this check at the same instant.
 */
export async function refuseActiveRangeRun(
  admin: Pick<Admin, 'listGroups' | 'describeGroups'>,
  run: {
    readonly groupId: string
    readonly runIds: readonly string[]
    readonly topics: readonly string[]
    readonly sessionTimeoutMs: number
  },
): Promise<void> {
  const active = await findActiveRangeRuns(admin, run.groupId)
  const self = active.find((a) => run.runIds.includes(a.runId))
  const other = active.find(
    (a) => a.topics.length === 0 || a.topics.some((t) => run.topics.includes(t)),
  )
  const found = self ?? other
  if (found === undefined) return
  const who = `group "${found.groupId}" has ${found.members} member${found.members === 1 ? '' : 's'}${found.topics.length > 0 ? `, reading ${found.topics.join(', ')}` : ''}`
  const afterKill = `A run killed with kill -9 leaves its group within kafka.sessionTimeout (${run.sessionTimeoutMs / 1000} s); try again after that`
  throw new RelayError(
    'RANGE_RUN_ACTIVE',
    self
      ? `run ${found.runId} is already running (${who}): a second process under the same --run-id would split its partitions with the first and both would wait for all of them. Let it finish, or stop it (Ctrl-C) and resume it then. ${afterKill}`
      : `another replay or redrive of this relay is running: run ${found.runId} (${who}). Two runs over the same partitions could issue a key twice, so this one did not start. Let it finish, or stop it (Ctrl-C, it prints its resume line), then start this one. ${afterKill}`,
    { classification: 'terminal' },
  )
}
