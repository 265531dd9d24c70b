import { readFile } from 'node:fs/promises'
import { linesSinceLatestStart } from '../../src/stack/owned-process.js'

/** An access-log entry slower than this is worth a line in the test run's output. */
const SLOW_REQUEST_MS = 5_000
/** Lines quoted per service; the count says how many more there were. */
const QUOTED_LINES = 8
const QUOTED_CHARS = 300

/**
 * The lines of a service's log, from its latest start (the "=====" header the local stack
 * writes), that explain a failed test: errors, 5xx answers, and requests slower than
 * SLOW_REQUEST_MS (Apicurio's access log, with quarkus.http.record-request-start-time on).
 */
export function troubleInLog(text: string): string[] {
  return linesSinceLatestStart(text).filter(
    (line) =>
      / (ERROR|SEVERE|FATAL) /.test(line) ||
      /response_code="5\d\d"/.test(line) ||
      Number(/response_time="(\d+)"/.exec(line)?.[1] ?? 0) > SLOW_REQUEST_MS,
  )
}

/**
 * What a test run prints before it stops a service it started: nothing when the log holds no
 * trouble, else the count and the first lines, so a CI failure can be read from its output.
 */
export async function describeLogTrouble(
  displayName: string,
  logFile: string,
): Promise<string | undefined> {
  const text = await readFile(logFile, 'utf8').catch(() => '')
  const trouble = troubleInLog(text)
  if (trouble.length === 0) return undefined
  const quoted = trouble
    .slice(0, QUOTED_LINES)
    .map((line) => `  ${line.length > QUOTED_CHARS ? `${line.slice(0, QUOTED_CHARS)}…` : line}`)
  const more =
    trouble.length > QUOTED_LINES ? `\n  … and ${trouble.length - QUOTED_LINES} more` : ''
  return (
    `the ${displayName} logged ${trouble.length} error, 5xx or slow-request line(s) during this run ` +
    `(${logFile}):\n${quoted.join('\n')}${more}`
  )
}
