/**
 * Sums the samples of one metric in a Prometheus text exposition whose labels include all of
 * `labels` (e.g. `{ stage: 'confirm', outcome: 'onchain' }`); 0 when there is none.
 */
export function sumMetric(
  text: string,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  let sum = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue
    const rest = line.slice(name.length)
    if (rest[0] !== '{' && rest[0] !== ' ') continue
    const labelText = rest[0] === '{' ? rest.slice(1, rest.indexOf('}')) : ''
    const matches = Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))
    if (!matches) continue
    const value = Number(rest.slice(rest.lastIndexOf(' ') + 1))
    if (Number.isFinite(value)) sum += value
  }
  return sum
}
