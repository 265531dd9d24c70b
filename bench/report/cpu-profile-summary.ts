import { readFile } from 'node:fs/promises'

/**
 * Where a process's CPU went, from a V8 .cpuprofile (node --cpu-prof): self time per function,
 * self time per category (package, relay source file, node internals, GC), and time attributed to
 * the nearest package or relay frame on the stack, so that the Buffer copies and crc32 a library
 * calls into node for count against that library.
 */
export interface CpuProfileSummary {
  readonly file: string
  /** Sampled time, idle excluded, in ms. */
  readonly busyMs: number
  readonly idleMs: number
  readonly topFunctions: readonly Share[]
  readonly selfByCategory: readonly Share[]
  readonly attributed: readonly Share[]
}

export interface Share {
  readonly name: string
  readonly ms: number
  /** Percent of busyMs. */
  readonly pct: number
}

interface ProfileNode {
  readonly id: number
  readonly callFrame: {
    readonly functionName: string
    readonly url: string
    readonly lineNumber: number
  }
  readonly children?: readonly number[]
}

interface Profile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

const TOP_FUNCTIONS = 25
const TOP_CATEGORIES = 20

export async function summarizeCpuProfile(file: string): Promise<CpuProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id)
  const selfUs = new Map<number, number>()
  profile.samples.forEach((id, i) =>
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
  )

  const fn = new Map<string, number>()
  const category = new Map<string, number>()
  const attributed = new Map<string, number>()
  let idleUs = 0
  let busyUs = 0
  for (const [id, us] of selfUs) {
    const node = byId.get(id)
    if (!node) continue
    const cat = categorize(node)
    if (cat === '(idle)') {
      idleUs += us
      continue
    }
    busyUs += us
    const { functionName, url, lineNumber } = node.callFrame
    const name = `${functionName || '(anonymous)'} ${shortUrl(url)}${url ? `:${lineNumber + 1}` : ''}`
    add(fn, name, us)
    add(category, cat, us)
    add(attributed, owner(id, byId, parent), us)
  }
  const shares = (map: Map<string, number>, limit: number): Share[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => ({ name, ms: us / 1000, pct: busyUs === 0 ? 0 : (us / busyUs) * 100 }))
  return {
    file,
    busyMs: busyUs / 1000,
    idleMs: idleUs / 1000,
    topFunctions: shares(fn, TOP_FUNCTIONS),
    selfByCategory: shares(category, TOP_CATEGORIES),
    attributed: shares(attributed, TOP_CATEGORIES),
  }
}

function add(map: Map<string, number>, key: string, us: number): void {
  map.set(key, (map.get(key) ?? 0) + us)
}

/** A frame's category: a package, a relay source file, a node built-in, or a V8 pseudo-frame. */
function categorize(node: ProfileNode): string {
  const { functionName, url } = node.callFrame
  if (functionName === '(idle)') return '(idle)'
  if (functionName === '(garbage collector)') return 'GC'
  if (functionName === '(program)') return '(program: V8/native, unattributed)'
  if (functionName === '(root)') return '(root)'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)
  if (pkg) return pkg[1] as string
  const relay = /\/dist\/((?:src|bench)\/.+)\.js$/.exec(url)
  if (relay) return `relay ${relay[1]}`
  if (url.startsWith('node:')) return `node ${url.slice(5).split('/').slice(0, 2).join('/')}`
  if (url === '') return `(native) ${functionName}`
  return shortUrl(url)
}

/** The nearest frame up the stack that belongs to a package or to the relay's own code. */
function owner(id: number, byId: Map<number, ProfileNode>, parent: Map<number, number>): string {
  const leaf = byId.get(id)
  const leafCategory = leaf ? categorize(leaf) : '(unknown)'
  if (leafCategory === 'GC' || leafCategory.startsWith('(program')) return leafCategory
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const node = byId.get(at)
    if (!node) break
    const cat = categorize(node)
    if (
      cat.startsWith('relay ') ||
      (!cat.startsWith('node ') && !cat.startsWith('(') && cat !== 'GC')
    ) {
      return cat.startsWith('relay ') ? cat : `${cat} (+ node/native it calls)`
    }
  }
  return leafCategory
}

function shortUrl(url: string): string {
  const pkg = /node_modules\/(.+)$/.exec(url)
  if (pkg) return pkg[1] as string
  const relay = /\/dist\/(.+)$/.exec(url)
  if (relay) return relay[1] as string
  return url
}

export function renderCpuProfileMarkdown(name: string, summary: CpuProfileSummary): string {
  const table = (title: string, rows: readonly Share[]): string[] => [
    `| ${title} | ms | % of busy |`,
    '| --- | ---: | ---: |',
    ...rows.map(
      (r) => `| ${r.name.replace(/\|/g, '\\|')} | ${r.ms.toFixed(0)} | ${r.pct.toFixed(1)} |`,
    ),
    '',
  ]
  return [
    `### CPU profile: ${name}`,
    '',
    `Whole process life (start-up and shutdown included), ${summary.busyMs.toFixed(0)} ms busy, ${summary.idleMs.toFixed(0)} ms idle. Profiling slows the process: use the shares, not the absolute times.`,
    '',
    ...table('self time by category', summary.selfByCategory),
    ...table('attributed to the nearest package or relay frame', summary.attributed),
    ...table('top functions by self time', summary.topFunctions),
  ].join('\n')
}
