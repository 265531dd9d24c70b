/**
 * Resolves with the signal name on the first SIGTERM or SIGINT. A second signal while shutdown is
 * under way exits at once (an operator pressing Ctrl-C twice means it), with the conventional
 * 128 + signal number.
 */
export function untilShutdownSignal(
  onForced: (signal: NodeJS.Signals) => void = defaultForced,
): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false
    const handler = (signal: NodeJS.Signals): void => {
      if (received) {
        onForced(signal)
        return
      }
      received = true
      resolve(signal)
    }
    process.on('SIGTERM', handler)
    process.on('SIGINT', handler)
  })
}

function defaultForced(signal: NodeJS.Signals): void {
  process.stderr.write(`moca-relay: second ${signal}: exiting without draining\n`)
  process.exit(signalExitCode(signal))
}

/** The conventional exit code of a process stopped by `signal`: 128 + its number. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 130 : 143
}

/** Exits if a graceful shutdown hangs past its budget; a stuck close must not keep a pod alive. */
export function armShutdownDeadline(ms: number, onExpired: () => void): () => void {
  const timer = setTimeout(onExpired, ms)
  timer.unref()
  return () => clearTimeout(timer)
}

/**
 * An AbortSignal that aborts on SIGINT or SIGTERM (a one-shot command stops cleanly), and the
 * exit code that says which one stopped it: 130 for Ctrl-C, 143 for SIGTERM.
 */
export function abortOnShutdownSignals(): {
  readonly signal: AbortSignal
  /** 128 + the number of the signal received (130 before any). */
  readonly exitCode: number
  dispose(): void
} {
  const controller = new AbortController()
  let received: NodeJS.Signals = 'SIGINT'
  const onSignal = (signal: NodeJS.Signals): void => {
    received = signal
    controller.abort()
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  return {
    signal: controller.signal,
    get exitCode() {
      return signalExitCode(received)
    },
    dispose() {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  }
}
