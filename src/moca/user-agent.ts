import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const PACKAGE_NAME = 'moca-relay'

/**
 * `moca-relay/<version>`, the "identifiable service string" MocaChain asks for. The version comes
 * from our package.json, found by walking up from this file: the compiled copy sits one level
 * deeper (dist/src/moca) than the source (src/moca), so a fixed relative path would be wrong in one.
 */
export function defaultUserAgent(): string {
  cached ??= `${PACKAGE_NAME}/${findPackageVersion() ?? '0.0.0'}`
  return cached
}
let cached: string | undefined

function findPackageVersion(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: unknown
        version?: unknown
      }
      if (pkg.name === PACKAGE_NAME && typeof pkg.version === 'string') return pkg.version
    } catch {
      // no package.json here: keep walking up
    }
    const parent = dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}
