import { readFile } from 'node:fs/promises'

/**
 * What one in-flight issuance keeps alive, from two V8 heap snapshots taken after a full GC at a
 * low and a high in-flight level: the growth of self size and object count per constructor (or
 * closure, array, string…), divided by the growth in in-flight issuances.
 */
export interface HeapGrowthRow {
  readonly name: string
  /** Self bytes added per in-flight issuance. */
  readonly bytesPerInFlight: number
  /** Objects added per in-flight issuance. */
  readonly countPerInFlight: number
}

interface HeapSnapshot {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: readonly string[]
      readonly node_types: readonly [readonly string[], ...unknown[]]
    }
  }
  readonly nodes: readonly number[]
  readonly strings: readonly string[]
}

const TOP_ROWS = 25

export async function diffHeapSnapshots(input: {
  readonly lowFile: string
  readonly highFile: string
  readonly deltaInFlight: number
  /** Rows kept, the largest growth in bytes first. @default 25 */
  readonly top?: number
}): Promise<HeapGrowthRow[]> {
  const low = await aggregate(input.lowFile)
  const high = await aggregate(input.highFile)
  const rows: HeapGrowthRow[] = []
  for (const [name, h] of high) {
    const l = low.get(name) ?? { bytes: 0, count: 0 }
    rows.push({
      name,
      bytesPerInFlight: (h.bytes - l.bytes) / input.deltaInFlight,
      countPerInFlight: (h.count - l.count) / input.deltaInFlight,
    })
  }
  return rows
    .sort((a, b) => b.bytesPerInFlight - a.bytesPerInFlight)
    .slice(0, input.top ?? TOP_ROWS)
}

/** Self size and count per group of one snapshot. */
async function aggregate(file: string): Promise<Map<string, { bytes: number; count: number }>> {
  const heap = JSON.parse(await readFile(file, 'utf8')) as HeapSnapshot
  const fields = heap.snapshot.meta.node_fields
  const types = heap.snapshot.meta.node_types[0]
  const width = fields.length
  const typeAt = fields.indexOf('type')
  const nameAt = fields.indexOf('name')
  const sizeAt = fields.indexOf('self_size')
  const groups = new Map<string, { bytes: number; count: number }>()
  for (let i = 0; i < heap.nodes.length; i += width) {
    const type = types[heap.nodes[i + typeAt] as number] ?? '?'
    const name = heap.strings[heap.nodes[i + nameAt] as number] ?? '?'
    const key = groupOf(type, name)
    const group = groups.get(key) ?? { bytes: 0, count: 0 }
    group.bytes += heap.nodes[i + sizeAt] as number
    group.count += 1
    groups.set(key, group)
  }
  return groups
}

function groupOf(type: string, name: string): string {
  switch (type) {
    case 'object':
    case 'native':
      return name.length > 60 ? `${name.slice(0, 57)}…` : name
    case 'closure':
      return `closure ${name || '(anonymous)'}`
    case 'string':
    case 'concatenated string':
    case 'sliced string':
      return '(strings)'
    case 'array':
      return `(array) ${name}`
    case 'code':
      return '(compiled code)'
    case 'number':
      return '(heap numbers)'
    default:
      return `(${type}) ${name.length > 40 ? `${name.slice(0, 37)}…` : name}`
  }
}

export function renderHeapGrowthMarkdown(
  rows: readonly HeapGrowthRow[],
  lowIn: number,
  highIn: number,
): string {
  return [
    `### Heap growth per in-flight issuance (snapshots at ${lowIn} and ${highIn} in flight, after a full GC)`,
    '',
    'Self size only (what each object itself occupies, not what it retains).',
    '',
    '| constructor / kind | bytes per in-flight | objects per in-flight |',
    '| --- | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.name.replace(/\|/g, '\\|')} | ${r.bytesPerInFlight.toFixed(0)} | ${r.countPerInFlight.toFixed(2)} |`,
    ),
    '',
  ].join('\n')
}
