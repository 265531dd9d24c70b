import { readdir, realpath } from 'node:fs/promises'
import { join } from 'node:path'
import { RelayError } from '../errors/relay-error.js'
import { runCommand } from './run-command.js'

/** `java -version` of a healthy JDK answers in well under a second; a wedged one must not hang us. */
const VERSION_PROBE_TIMEOUT_MS = 15_000

/**
 * Where JDKs live when nobody told us: Debian/Ubuntu packages and Temurin debs install under
 * /usr/lib/jvm, macOS installers under /Library/Java/JavaVirtualMachines/<jdk>/Contents/Home.
 */
export const DEFAULT_JDK_SEARCH_DIRS = [
  { dir: '/usr/lib/jvm', javaPath: join('bin', 'java') },
  { dir: '/Library/Java/JavaVirtualMachines', javaPath: join('Contents', 'Home', 'bin', 'java') },
] as const

export interface JavaRuntime {
  /** The java executable to spawn. */
  readonly path: string
  readonly major: number
  /** Where it came from, for messages: "STACK_REGISTRY_JAVA_HOME", "PATH", "/usr/lib/jvm"… */
  readonly source: string
}

export interface JavaCandidate {
  readonly path: string
  readonly source: string
  /**
   * An explicit override must work: if it is missing or too old we say so instead of quietly
   * picking another JDK the user did not ask for.
   */
  readonly mustMatch?: boolean
}

export interface FindJavaOptions {
  /** What needs Java, for messages: "Apicurio Registry". */
  readonly purpose: string
  readonly minimumMajor: number
  /** Tried in order; the first that is new enough wins. */
  readonly candidates: readonly JavaCandidate[]
  /** Scanned when no candidate fits; the highest version wins. */
  readonly searchDirs?: readonly { readonly dir: string; readonly javaPath: string }[]
}

/** `java` inside a JDK home. */
export function javaInHome(home: string): string {
  return join(home, 'bin', 'java')
}

/**
 * The major version from `java -version` output: `openjdk version "17.0.15"` → 17,
 * `"25" 2025-09-16` → 25, `"21-ea"` → 21, and the old scheme `"1.8.0_392"` → 8.
 */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const quoted = /version "([^"]+)"/.exec(versionOutput)?.[1]
  if (quoted === undefined) return undefined
  const parts = quoted.split(/[.\-+_]/)
  const first = Number(parts[0])
  if (!Number.isInteger(first)) return undefined
  if (first === 1) {
    const second = Number(parts[1])
    return Number.isInteger(second) ? second : undefined
  }
  return first
}

/** Runs `<path> -version`; undefined when it is missing or does not answer like a JVM. */
export async function probeJavaMajor(path: string): Promise<number | undefined> {
  try {
    const result = await runCommand({
      command: path,
      args: ['-version'],
      timeoutMs: VERSION_PROBE_TIMEOUT_MS,
    })
    return result.exitCode === 0 ? parseJavaMajor(result.output) : undefined
  } catch {
    // ENOENT, EACCES: not a usable java, which the caller reports with everything else it saw
    return undefined
  }
}

/**
 * Picks a Java for one service: the explicit candidates in order (override, JAVA_HOME, PATH),
 * then the newest JDK found in the usual install folders. Fails with STACK_JAVA_MISSING naming
 * every JVM it looked at and how to fix it.
 */
export async function findJava(options: FindJavaOptions): Promise<JavaRuntime> {
  const seen: string[] = []
  for (const candidate of options.candidates) {
    const major = await probeJavaMajor(candidate.path)
    if (major !== undefined && major >= options.minimumMajor) {
      return { path: candidate.path, major, source: candidate.source }
    }
    const found = major === undefined ? 'no java' : `Java ${major}`
    if (candidate.mustMatch) {
      throw javaMissing(
        options,
        `${candidate.source} points at ${candidate.path} (${found})`,
        `point ${candidate.source} at a JDK ${options.minimumMajor}+ or unset it`,
      )
    }
    seen.push(`${candidate.source}: ${found}`)
  }

  const scanned = await scanInstalledJdks(options.searchDirs ?? DEFAULT_JDK_SEARCH_DIRS)
  const fitting = scanned
    .filter((jdk) => jdk.major >= options.minimumMajor)
    .sort((a, b) => b.major - a.major)
  if (fitting[0] !== undefined) return fitting[0]
  for (const jdk of scanned) seen.push(`${jdk.path}: Java ${jdk.major}`)

  throw javaMissing(
    options,
    `found ${seen.length > 0 ? seen.join(', ') : 'no Java at all'}`,
    options.minimumMajor > 17
      ? `install a JDK ${options.minimumMajor}+ (e.g. Temurin ${options.minimumMajor}) and set STACK_REGISTRY_JAVA_HOME to it, or use docker compose`
      : `install a JDK ${options.minimumMajor}+ (apt-get install openjdk-${options.minimumMajor}-jdk-headless) and set JAVA_HOME, or use docker compose`,
  )
}

async function scanInstalledJdks(
  searchDirs: readonly { readonly dir: string; readonly javaPath: string }[],
): Promise<JavaRuntime[]> {
  const paths = new Map<string, string>()
  for (const { dir, javaPath } of searchDirs) {
    let entries: string[]
    try {
      entries = await readdir(dir)
    } catch {
      continue
    }
    for (const entry of entries) {
      const path = join(dir, entry, javaPath)
      // Debian links java-17-openjdk-amd64, java-1.17.0-openjdk-amd64 and openjdk-17 to one JDK
      const real = await realpath(path).catch(() => undefined)
      if (real !== undefined && !paths.has(real)) paths.set(real, path)
    }
  }
  const probed = await Promise.all(
    [...paths.values()].map(async (path) => ({ path, major: await probeJavaMajor(path) })),
  )
  return probed.flatMap(({ path, major }) =>
    major === undefined ? [] : [{ path, major, source: 'installed JDKs' }],
  )
}

function javaMissing(options: FindJavaOptions, what: string, fix: string): RelayError {
  return new RelayError(
    'STACK_JAVA_MISSING',
    `${options.purpose} needs Java ${options.minimumMajor} or newer; ${what}. Fix: ${fix}.`,
    { classification: 'systemic' },
  )
}
