import { randomBytes } from 'node:crypto'

/**
 * Names a replay or redrive run, e.g. `replay-20261125213217-88c14d`: sortable by start time,
 * unique, and short enough for group and transactional ids.
 */
export function newRunId(kind: string): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)
  return `${kind}-${stamp}-${randomBytes(3).toString('hex')}`
}
