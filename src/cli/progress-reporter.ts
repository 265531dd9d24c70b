import type { Writable } from 'node:stream'

export interface ProgressReporter {
  update(done: number, detail: string): void
  /** Prints the last state once more, whatever the throttle said. */
  finish(done: number, detail: string): void
}

/** Plain lines this often when the output is not a terminal (CI logs, files). */
const PLAIN_INTERVAL_MS = 2_000
const BAR_WIDTH = 28

/**
 * A progress line: a bar with rate and ETA on a terminal, redrawn in place; a plain line every
 * few seconds otherwise, so logs stay readable.
 */
export function createProgressReporter(
  out: Writable & { isTTY?: boolean },
  total: number,
  label: string,
): ProgressReporter {
  const started = Date.now()
  let lastPlain = 0
  const line = (done: number, detail: string): string => {
    const elapsed = (Date.now() - started) / 1000
    const rate = elapsed > 0 ? done / elapsed : 0
    const eta = rate > 0 && total > done ? `ETA ${formatSeconds((total - done) / rate)}` : ''
    const share = total > 0 ? Math.min(1, done / total) : 1
    const bar = '█'.repeat(Math.round(share * BAR_WIDTH)).padEnd(BAR_WIDTH, '░')
    return `${label} ${bar} ${(share * 100).toFixed(0).padStart(3)}% ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}  ${Math.round(rate).toLocaleString('en-US')}/s ${eta}  ${detail}`
  }
  return {
    update(done, detail) {
      if (out.isTTY) {
        out.write(`\r\x1b[2K${line(done, detail)}`)
        return
      }
      if (Date.now() - lastPlain >= PLAIN_INTERVAL_MS) {
        lastPlain = Date.now()
        out.write(`${line(done, detail)}\n`)
      }
    },
    finish(done, detail) {
      out.write(out.isTTY ? `\r\x1b[2K${line(done, detail)}\n` : `${line(done, detail)}\n`)
    },
  }
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`
  const minutes = Math.floor(seconds / 60)
  return `${minutes}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`
}
