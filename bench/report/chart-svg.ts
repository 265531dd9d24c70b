import type { ScenarioResult } from './scenario-result.js'

/**
 * The run's chart as an SVG document built by hand (no chart library): throughput over time on
 * top, probe latency over time below, one line per relay scenario, seconds since the relay was
 * ready on the x axis.
 */
const WIDTH = 1000
const HEIGHT = 680
const MARGIN = { left: 80, right: 30 }
const PANELS = [
  { top: 90, height: 230 },
  { top: 400, height: 230 },
] as const
const COLORS: Readonly<Record<string, string>> = { relay50: '#1f77b4', relay0: '#ff7f0e' }
const FALLBACK_COLOR = '#2ca02c'

interface Series {
  readonly label: string
  readonly color: string
  readonly dashed: boolean
  readonly points: readonly (readonly [number, number | null])[]
}

export function renderChartSvg(results: readonly ScenarioResult[], caption: string): string | null {
  const relays = results.filter((r) => r.timeline !== undefined && r.timeline.length > 0)
  if (relays.length === 0) return null
  const color = (r: ScenarioResult): string => COLORS[r.id] ?? FALLBACK_COLOR
  const throughput: Series[] = relays.flatMap((r) => [
    {
      label: `${r.id} onchain events/s (avg ${Math.round(r.eventsPerSecond ?? 0)})`,
      color: color(r),
      dashed: false,
      points: (r.timeline ?? []).map((p) => [p.second + 0.5, p.onchain] as const),
    },
    {
      label: `${r.id} issued events/s`,
      color: color(r),
      dashed: true,
      points: (r.timeline ?? []).map((p) => [p.second + 0.5, p.issued] as const),
    },
  ])
  const latency: Series[] = relays.flatMap((r) => [
    {
      label: `${r.id} probe p99`,
      color: color(r),
      dashed: false,
      points: (r.timeline ?? []).map((p) => [p.second + 0.5, p.probeP99Ms] as const),
    },
    {
      label: `${r.id} probe p50`,
      color: color(r),
      dashed: true,
      points: (r.timeline ?? []).map((p) => [p.second + 0.5, p.probeP50Ms] as const),
    },
  ])
  const xMax = Math.max(...relays.map((r) => r.timeline?.length ?? 0), 1)
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="DejaVu Sans, Arial, sans-serif">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    text(WIDTH / 2, 28, escape(caption), { size: 16, anchor: 'middle', weight: 'bold' }),
    panel(
      PANELS[0],
      'Throughput: backlog events reaching credential.issued / credential.onchain per second',
      'events/s',
      throughput,
      xMax,
    ),
    panel(
      PANELS[1],
      'Latency of probe events (produce → onchain visible), per second',
      'ms',
      latency,
      xMax,
    ),
    text(WIDTH / 2, HEIGHT - 8, 'seconds since the relay was ready', {
      size: 13,
      anchor: 'middle',
    }),
    '</svg>',
  ]
  return parts.join('\n')
}

function panel(
  box: { readonly top: number; readonly height: number },
  title: string,
  unit: string,
  series: readonly Series[],
  xMax: number,
): string {
  const left = MARGIN.left
  const width = WIDTH - MARGIN.left - MARGIN.right
  const values = series.flatMap((s) =>
    s.points.map((p) => p[1]).filter((v): v is number => v !== null),
  )
  const yMax = niceCeiling(Math.max(1, ...values))
  const x = (v: number): number => left + (v / xMax) * width
  const y = (v: number): number => box.top + box.height - (v / yMax) * box.height
  const out: string[] = [
    text(left, box.top - 24, escape(title), { size: 14, weight: 'bold' }),
    `<rect x="${left}" y="${box.top}" width="${width}" height="${box.height}" fill="none" stroke="#999"/>`,
  ]
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4
    out.push(
      `<line x1="${left}" x2="${left + width}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e5e5"/>`,
      text(left - 8, y(v) + 4, `${formatTick(v)}`, { size: 12, anchor: 'end' }),
    )
  }
  out.push(text(18, box.top + box.height / 2, unit, { size: 12, anchor: 'middle', rotate: true }))
  const xStep = niceCeiling(xMax / 10)
  for (let v = 0; v <= xMax; v += xStep) {
    out.push(
      `<line x1="${x(v)}" x2="${x(v)}" y1="${box.top + box.height}" y2="${box.top + box.height + 5}" stroke="#999"/>`,
      text(x(v), box.top + box.height + 19, String(v), { size: 12, anchor: 'middle' }),
    )
  }
  series.forEach((s, i) => {
    for (const segment of segments(s.points)) {
      const d = segment
        .map(([px, py], j) => `${j === 0 ? 'M' : 'L'}${x(px).toFixed(1)},${y(py).toFixed(1)}`)
        .join(' ')
      out.push(
        `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      )
      if (segment.length === 1) {
        const [px, py] = segment[0] as [number, number]
        out.push(`<circle cx="${x(px)}" cy="${y(py)}" r="2.5" fill="${s.color}"/>`)
      }
    }
    const ly = box.top + 16 + i * 18
    const lx = left + width - 320
    out.push(
      `<line x1="${lx}" x2="${lx + 28}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      text(lx + 34, ly, escape(s.label), { size: 12 }),
    )
  })
  return out.join('\n')
}

/** Runs of consecutive non-null points: a second without samples breaks the line. */
function segments(points: readonly (readonly [number, number | null])[]): [number, number][][] {
  const out: [number, number][][] = []
  let current: [number, number][] = []
  for (const [px, py] of points) {
    if (py === null) {
      if (current.length > 0) out.push(current)
      current = []
    } else current.push([px, py])
  }
  if (current.length > 0) out.push(current)
  return out
}

function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value))
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude
  return 10 * magnitude
}

function formatTick(value: number): string {
  return value >= 1000 ? value.toLocaleString('en-US') : String(Math.round(value * 10) / 10)
}

function text(
  x: number,
  y: number,
  content: string,
  style: { size: number; anchor?: 'start' | 'middle' | 'end'; weight?: 'bold'; rotate?: boolean },
): string {
  const transform = style.rotate ? ` transform="rotate(-90 ${x} ${y})"` : ''
  return `<text x="${x}" y="${y}" font-size="${style.size}" text-anchor="${style.anchor ?? 'start'}"${style.weight ? ` font-weight="${style.weight}"` : ''} fill="#222"${transform}>${content}</text>`
}

function escape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
