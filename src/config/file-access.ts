import { userInfo } from 'node:os'

/**
 * The fix for a file that exists but this process may not read (EACCES, EPERM), or null for any
 * other failure: pointing at another path, or at making a new file, would be the wrong advice.
 */
export function unreadableFileFix(err: unknown): string | null {
  const code = (err as NodeJS.ErrnoException | null)?.code
  if (code !== 'EACCES' && code !== 'EPERM') return null
  return `it exists, but ${whoAmI()} may not read it: give that user read permission (chmod, chown), or run as a user who may`
}

function whoAmI(): string {
  try {
    return `this user (${userInfo().username})`
  } catch {
    // a uid without a passwd entry (some containers)
    return 'this user'
  }
}
