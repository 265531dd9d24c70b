/** Number formats shared by the Markdown report and the terminal summary. */
export function fmtRate(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '–'
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2)
}

export function fmtInt(value: number | null): string {
  return value === null || !Number.isFinite(value) ? '–' : Math.round(value).toLocaleString('en-US')
}

export function fmtMs(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? '–'
    : `${Math.round(value)} ms`
}

export function fmtMiB(bytes: number | null): string {
  return bytes === null || !Number.isFinite(bytes) ? '–' : `${(bytes / 1024 / 1024).toFixed(0)} MiB`
}

export function fmtRatio(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '–'
  return value >= 10 ? `${Math.round(value)}×` : `${value.toFixed(2)}×`
}
