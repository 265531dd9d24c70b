import { execFileSync } from 'node:child_process'
import { cpus, loadavg, totalmem } from 'node:os'

/** Where and how the run happened: printed on top of the report, since numbers are machine-bound. */
export interface BenchEnvironment {
  readonly startedAt: string
  readonly command: string
  readonly node: string
  readonly cpus: number
  readonly cpuModel: string
  readonly memoryGiB: number
  readonly kafka: string
  readonly commit: string
  readonly events: number
  readonly partitions: number
  readonly users: number
  readonly loadBefore: readonly string[]
  loadAfter: readonly string[]
  /** events/s of each discarded warm-up run, in order; empty when the bench did not warm up. */
  warmupRuns: readonly number[]
}

export function describeEnvironment(input: {
  readonly argv: readonly string[]
  readonly kafka: string
  readonly events: number
  readonly partitions: number
  readonly users: number
}): BenchEnvironment {
  return {
    startedAt: new Date().toISOString(),
    command: ['npm run bench', ...(input.argv.length > 0 ? ['--', ...input.argv] : [])].join(' '),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown CPU',
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    kafka: input.kafka,
    commit: gitCommit(),
    events: input.events,
    partitions: input.partitions,
    users: input.users,
    loadBefore: currentLoad(),
    loadAfter: [],
    warmupRuns: [],
  }
}

export function currentLoad(): string[] {
  return loadavg().map((l) => l.toFixed(2))
}

function gitCommit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
    }).trim()
    return dirty === '' ? sha : `${sha}+dirty`
  } catch {
    return 'unknown'
  }
}
