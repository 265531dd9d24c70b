import { access } from 'node:fs/promises'

/** Whether a file or folder exists (and we may see it). */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path)
    return true
  } catch {
    return false
  }
}
