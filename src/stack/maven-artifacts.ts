import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { RelayError } from '../errors/relay-error.js'
import { pathExists } from './path-exists.js'
import { lastLines, runCommand } from './run-command.js'
import type { StackReporter } from './stack-reporter.js'

/**
 * Maven Central holds everything the stack runs: the Kafka broker jars and Apicurio Registry's
 * runnable archive. infra/<name>/pom.xml says what to fetch; each download lands in
 * `.stack/downloads/<name>-<hash of that pom>`, so a version change fetches again and an unchanged
 * pom never runs Maven (Maven's own ~/.m2 cache makes a re-fetch cheap anyway).
 */

/** Pinned: Maven 3.8's super-POM would otherwise pick maven-dependency-plugin 2.8. */
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1'
/** Written last into a finished download folder; its absence means "not downloaded". */
const COMPLETE_MARKER = '.complete'

export interface MavenArtifactsDeps {
  /** The project's infra/ folder (holds kafka/pom.xml and apicurio/pom.xml). */
  readonly infraDir: string
  /** Where finished downloads are kept. */
  readonly downloadsDir: string
  /** Per Maven run; Apicurio's archive is 160 MB. */
  readonly timeoutMs: number
  readonly report: StackReporter
  /** @default 'mvn' */
  readonly mvnCommand?: string
}

export interface MavenArtifacts {
  /** Folder of the broker's jars (for `-cp '<dir>/*'`). */
  kafkaLibDir(): Promise<string>
  /** Apicurio Registry's quarkus-run.jar. */
  registryJar(): Promise<string>
}

export function createMavenArtifacts(deps: MavenArtifactsDeps): MavenArtifacts {
  const mvn = deps.mvnCommand ?? 'mvn'
  // One Maven at a time: two processes filling the same ~/.m2 can clash on a fresh machine
  // (Maven 3.8 has no local-repository locking).
  let queue: Promise<unknown> = Promise.resolve()
  const serialized = <T>(task: () => Promise<T>): Promise<T> => {
    const next = queue.then(task, task)
    queue = next.catch(() => undefined)
    return next
  }

  async function ensure(options: {
    name: string
    what: string
    goalArgs: readonly string[]
    finish: (folder: string) => Promise<void>
  }): Promise<string> {
    const pom = join(deps.infraDir, options.name, 'pom.xml')
    const folder = join(deps.downloadsDir, `${options.name}-${await hashFile(pom)}`)
    if (await pathExists(join(folder, COMPLETE_MARKER))) return folder
    return serialized(async () => {
      if (await pathExists(join(folder, COMPLETE_MARKER))) return folder
      // Fill a private folder, then rename: a crash or a concurrent `stack up` never leaves a
      // half-filled download that looks finished.
      const staging = `${folder}.partial-${process.pid}-${randomBytes(4).toString('hex')}`
      await mkdir(staging, { recursive: true })
      try {
        deps.report(`Downloading ${options.what} from Maven Central (first run only)…`)
        const started = Date.now()
        await runMaven(options.what, [
          '-f',
          pom,
          ...options.goalArgs,
          `-DoutputDirectory=${join(staging, 'lib')}`,
        ])
        await options.finish(staging)
        await writeFile(join(staging, COMPLETE_MARKER), `${new Date().toISOString()}\n`)
        // another `stack up` may have finished the same download meanwhile, and may be running
        // from it: keep theirs
        if (!(await pathExists(join(folder, COMPLETE_MARKER)))) {
          await rm(folder, { recursive: true, force: true })
          await rename(staging, folder)
        }
        deps.report(
          `Downloaded ${options.what} in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
        )
        return folder
      } finally {
        await rm(staging, { recursive: true, force: true })
      }
    })
  }

  async function runMaven(what: string, args: readonly string[]): Promise<void> {
    let result
    try {
      result = await runCommand({
        command: mvn,
        args: ['-B', '-q', '-Dstyle.color=never', ...args],
        timeoutMs: deps.timeoutMs,
      })
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ENOENT') {
        throw new RelayError(
          'STACK_JAVA_MISSING',
          `Maven ("${mvn}") is not installed or not on PATH; the local stack fetches ${what} with it. Fix: install Maven 3.8+ (apt-get install maven, brew install maven), or use docker compose.`,
          { classification: 'systemic', cause: err },
        )
      }
      throw err
    }
    if (result.timedOut) {
      throw new RelayError(
        'STACK_DOWNLOAD_FAILED',
        `Maven did not finish fetching ${what} within ${Math.round(deps.timeoutMs / 1000)} s. Fix: check the connection to Maven Central and run again.`,
        { classification: 'retryable' },
      )
    }
    if (result.exitCode !== 0) {
      throw new RelayError(
        'STACK_DOWNLOAD_FAILED',
        `Maven could not fetch ${what} (exit ${String(result.exitCode)}): ${summarizeMavenFailure(result.output)}. Fix: check access to Maven Central (proxy/mirror in ~/.m2/settings.xml) and run again.`,
        { classification: 'retryable' },
      )
    }
  }

  return {
    kafkaLibDir: async () =>
      join(
        await ensure({
          name: 'kafka',
          what: 'the Kafka broker jars',
          goalArgs: [`${DEPENDENCY_PLUGIN}:copy-dependencies`, '-DincludeScope=runtime'],
          finish: async () => undefined,
        }),
        'lib',
      ),
    registryJar: async () => {
      const folder = await ensure({
        name: 'apicurio',
        what: 'Apicurio Registry (≈160 MB)',
        goalArgs: [`${DEPENDENCY_PLUGIN}:copy`],
        finish: (staging) => extractRegistryArchive(staging),
      })
      return findQuarkusRunJar(join(folder, 'app'))
    },
  }
}

/** Maven's closing advice ("re-run with -e", "[Help 1] …"), never the cause. */
const MAVEN_BOILERPLATE =
  /^(To see the full stack trace|Re-run Maven|For more information about the errors|\[Help \d+\]|-> \[Help)/

/**
 * The cause out of Maven's output: its [ERROR] lines without the closing advice that always
 * follows. Falls back to the last lines when Maven died without an [ERROR] (e.g. a JVM crash).
 */
export function summarizeMavenFailure(output: string): string {
  // Maven's launcher emits colour resets even in batch mode
  const lines = stripAnsi(output).split(/\r?\n/)
  const causes = lines
    .filter((line) => line.startsWith('[ERROR]'))
    .map((line) => line.slice('[ERROR]'.length).trim())
    .filter((line) => line !== '' && !MAVEN_BOILERPLATE.test(line))
  const picked = causes.length > 0 ? causes.slice(0, 2) : lastLines(lines.join('\n'), 3)
  return picked.join(' | ') || 'no output'
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching the ESC of ANSI colour codes is the point
  return text.replace(/\u001b\[[0-9;]*m/g, '')
}

/** Unpacks the one tar.gz Maven copied into lib/ to app/, then drops the archive (it stays in ~/.m2). */
async function extractRegistryArchive(staging: string): Promise<void> {
  const lib = join(staging, 'lib')
  const archive = (await readdir(lib)).find((name) => name.endsWith('.tar.gz'))
  if (archive === undefined) throw new Error(`Maven copied no .tar.gz into ${lib}`)
  const app = join(staging, 'app')
  await mkdir(app, { recursive: true })
  const result = await runCommand({
    command: 'tar',
    args: ['-xzf', join(lib, archive), '-C', app],
    timeoutMs: 5 * 60_000,
  })
  if (result.exitCode !== 0) {
    throw new RelayError(
      'STACK_DOWNLOAD_FAILED',
      `could not unpack ${archive}: ${lastLines(result.output, 2).join(' | ')}. Fix: check free disk space and run again.`,
      { classification: 'retryable' },
    )
  }
  await rm(lib, { recursive: true, force: true })
}

/** 3.3.x puts quarkus-run.jar at the archive root, 3.1.x under quarkus-app/. */
async function findQuarkusRunJar(app: string): Promise<string> {
  for (const candidate of [
    join(app, 'quarkus-run.jar'),
    join(app, 'quarkus-app', 'quarkus-run.jar'),
  ]) {
    if (await pathExists(candidate)) return candidate
  }
  throw new RelayError(
    'STACK_DOWNLOAD_FAILED',
    `no quarkus-run.jar in the unpacked Apicurio archive at ${app}. Fix: delete that folder's parent and run again.`,
    { classification: 'terminal' },
  )
}

async function hashFile(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex')
    .slice(0, 12)
}
