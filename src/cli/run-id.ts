import { randomBytes } from 'node:crypto'

/**
 * Names a replay or redrive run, e.g. `replay-20261125213217-88c14d`: sortable by start time,
 * unique, and short enough for group ids.
 */
export function newRunId(kind: string): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)
  return `${kind}-${stamp}-${randomBytes(3).toString('hex')}`
}

/**
 * Names the live relay uses after its group id and transactional-id prefix (`<groupId>.confirm`
 * is its confirm stage's group; `.issue`, `.confirm` and `.range` start its transactional ids). A
 * run named so would join the live relay's group: the live relay rebalances and the run hangs.
 */
const RESERVED_RUN_IDS = ['confirm', 'issue', 'range', 'live'] as const

/** Run ids are group-name suffixes: letters, digits, `-` and `_`, so no `.` can reach a live name. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/

/** What is wrong with a `--run-id`, as one sentence naming the rule; null when it is fine. */
export function checkRunId(runId: string): string | null {
  if (!RUN_ID.test(runId)) {
    return `--run-id ${JSON.stringify(runId)} is not a run id: 1 to 100 letters, digits, "-" or "_", starting with a letter or digit (e.g. replay-20261125213217-88c14d, the id a run prints)`
  }
  if ((RESERVED_RUN_IDS as readonly string[]).includes(runId.toLowerCase())) {
    return `--run-id ${runId} is a name the live relay uses (its consumer groups and transactional ids end in ${RESERVED_RUN_IDS.join(', ')}): a run under it would join the live relay's group. Pick another, or leave --run-id out for a fresh one`
  }
  return null
}

/** A redrive's re-poll batches run under a run id of their own, beside its retries. */
const REPOLL_SUFFIX = '-confirm'

/** The run id of a redrive's re-poll batches. */
export function reconfirmRunId(runId: string): string {
  return `${runId}${REPOLL_SUFFIX}`
}

/**
 * Whether `name` is a range run's: a run id, or a redrive's re-poll run id, which is past 100
 * characters when its --run-id is near them.
 */
export function isRangeRunName(name: string): boolean {
  if (checkRunId(name) === null) return true
  return name.endsWith(REPOLL_SUFFIX) && checkRunId(name.slice(0, -REPOLL_SUFFIX.length)) === null
}
